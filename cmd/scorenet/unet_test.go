package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"scorenet/checkpoints"
)

// A U-Net from a folder of PNG images, end to end: its shape taken from the
// images, trained on the core in float32, sampled by heun into PNGs, its
// log-likelihood by Hutchinson's trace; the same checkpoint on 1, 2 and 8
// threads; and its refusals.
func TestUNetFromImages(t *testing.T) {
	dir := t.TempDir()
	pngs := filepath.Join(dir, "pngs")
	writePNGFolder(t, pngs, 40)
	train := func(out, threads string) (string, string) {
		code, stdout, errs := scorenet("train", "-data", pngs, "-out", out, "-threads", threads, "-set", "model.type=unet",
			"-set", "model.channels=[4,8]", "-set", "model.groups=2", "-set", "train.steps=6", "-set", "train.batch_size=8")
		if code != 0 {
			t.Fatalf("train: %s", errs)
		}
		return stdout, errs
	}
	run := filepath.Join(dir, "run")
	_, said := train(run, "1")
	for _, want := range []string{"model.shape: [4 4 1], the images' height, width and channels", "unet [4 8] float32", "train.loss edm_dsm", "sample.sampler heun", "sample.churn 20", "sample.churn_max auto: ", "sample.steps 50", "sample.churn_noise 1.003"} {
		if !strings.Contains(said, want) {
			t.Errorf("train said %q, want %q", said, want)
		}
	}
	written, err := os.ReadFile(filepath.Join(run, "config.yaml"))
	for _, want := range []string{"loss: edm_dsm", "sampler: heun", "churn: 20", "churn_max_auto: true", "steps: 50", "churn_noise: 1.003"} {
		if err != nil || !strings.Contains(string(written), want) {
			t.Errorf("the run's config.yaml does not keep the unet's default %q (%v):\n%s", want, err, written)
		}
	}
	if strings.Contains(string(written), "churn_max: 0\n") {
		t.Errorf("the run's config.yaml keeps churn_max auto unresolved:\n%s", written)
	}
	a, err := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000006.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []string{"2", "8"} {
		other := filepath.Join(dir, "run"+threads)
		train(other, threads)
		b, err := checkpoints.Load(filepath.Join(other, "checkpoints", "step-000000006.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Tensors) == 0 || !reflect.DeepEqual(a.Tensors, b.Tensors) {
			t.Errorf("the tensors of the checkpoints of 1 and %s threads differ", threads)
		}
	}
	if _, ok := a.Tensors[0].Data.([]float32); !ok {
		t.Errorf("the checkpoint holds %T, want float32", a.Tensors[0].Data)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-n", "4", "-sampler", "heun", "-set", "sample.steps=5", "-out", filepath.Join(dir, "s")+"/"); code != 0 {
		t.Errorf("sample: %s", errs)
	}
	if shots, _ := filepath.Glob(filepath.Join(dir, "s", "*.png")); len(shots) != 4 {
		t.Errorf("%d sample images, want 4", len(shots))
	}
	points := filepath.Join(dir, "s.npy")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "3", "-sampler", "dpmpp_2m", "-set", "sample.steps=5", "-out", points); code != 0 {
		t.Fatalf("sample: %s", errs)
	}
	if code, stdout, errs := scorenet("likelihood", "-run", run, "-in", points); code != 0 || !strings.Contains(stdout+errs, "hutchinson") {
		t.Errorf("likelihood: exit %d, %s %s", code, stdout, errs)
	}
	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"the exact trace", "the unet's divergence is Hutchinson's", []string{"likelihood", "-run", run, "-in", filepath.Join(dir, "s.npy"), "-trace", "exact"}},
		{"the exact loss", "the unet trains on the denoising losses", []string{"train", "-data", pngs, "-out", filepath.Join(dir, "x"), "-set", "model.type=unet", "-set", "train.loss=exact", "-set", "train.engine=fused"}},
		{"channels the groups do not divide", "want a multiple of model.groups", []string{"train", "-data", pngs, "-out", filepath.Join(dir, "y"), "-set", "model.type=unet", "-set", "model.channels=[6]"}},
		{"a shape the images do not have", "model.shape [8 8 1] is not the images' [4 4 1]", []string{"train", "-data", pngs, "-out", filepath.Join(dir, "z"), "-set", "model.type=unet", "-set", "model.shape=[8,8,1]"}},
		{"a table without a shape", "model.shape: is required for the unet on dataset file", []string{"train", "-data", filepath.Join(dir, "t.csv"), "-out", filepath.Join(dir, "w"), "-set", "model.type=unet"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "a table without a shape" {
				writeCSV(t, filepath.Join(dir, "t.csv"), 20, 4, 1, 1)
			}
			code, _, errs := scorenet(c.args...)
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			if last := lines[len(lines)-1]; code == 0 || !strings.Contains(last, c.want) {
				t.Errorf("exit %d, %q; want the last line saying %q", code, errs, c.want)
			}
		})
	}
}

// The thirty-fifth red-team pass: a U-Net's scorer that does not fit the
// memory left names -batch and the U-Net's cap, before any work.
func TestUNetScoreNamesTheBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs score under ulimit -d")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run ulimit -d in")
	}
	dir := t.TempDir()
	images := filepath.Join(dir, "img.csv")
	writeCSV(t, images, 20, 4096, 1, 3)
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", images, "-out", run, "-set", "model.type=unet", "-set", "model.channels=[16,16]", "-set", "model.groups=4",
		"-set", "model.shape=[64,64,1]", "-set", "train.steps=2", "-set", "train.batch_size=4"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	in := filepath.Join(dir, "in.npy")
	writeZeroNPY(t, in, 1000, 4096)
	cmd := exec.Command(sh, "-c", `ulimit -d 700000 && exec "$@"`, "sh", binary(t), "score", "-run", run, "-in", in, "-out", filepath.Join(dir, "s.npy"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil || !strings.Contains(stderr.String(), "a U-Net is scored 64 images at a time at most); lower -batch (now 1000") {
		t.Errorf("%v, %q; want the refusal to name -batch and the U-Net's cap", err, stderr.String())
	}
}

// A U-Net learns from PNG class folders: the folders' names are its
// classes', and a class is sampled by its name, with guidance.
func TestClassConditionalUNetFromFolders(t *testing.T) {
	dir := t.TempDir()
	pngs := filepath.Join(dir, "pngs")
	writePNGFolder(t, filepath.Join(pngs, "boots"), 12)
	writePNGFolder(t, filepath.Join(pngs, "shirts"), 16)
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", pngs, "-out", run, "-set", "data.labels=folders", "-set", "model.type=unet",
		"-set", "model.channels=[4,8]", "-set", "model.groups=2", "-set", "train.steps=6", "-set", "train.batch_size=8")
	if code != 0 {
		t.Fatalf("train: %s", errs)
	}
	if !strings.Contains(errs, "model.classes: 2, from the labels") {
		t.Errorf("train said %q, want the classes found", errs)
	}
	code, _, errs = scorenet("sample", "-run", run, "-n", "4", "-class", "shirts", "-guidance", "1.5", "-sampler", "heun",
		"-set", "sample.steps=5", "-out", filepath.Join(dir, "s.npy"))
	if code != 0 || !strings.Contains(errs, "class 1 (shirts): verdict on 4 samples") {
		t.Errorf("sample -class shirts: exit %d, %q", code, errs)
	}
	// Without -out an image run's samples go to samples.npy in the run
	// directory.
	code, out, errs := scorenet("sample", "-run", run, "-n", "2", "-sampler", "heun", "-set", "sample.steps=3")
	if _, err := os.Stat(filepath.Join(run, "samples.npy")); code != 0 || err != nil || !strings.Contains(out, filepath.Join(run, "samples.npy")) {
		t.Errorf("sample without -out: exit %d, %v; stdout %q: %s", code, err, out, errs)
	}
}

// train -data on images, nothing set: the unet's recipe, announced; its
// default levels fitted to the images' size (6x6 is halved once, so the
// third level goes) and its batch to 30 images, and written into the run's
// config.yaml.
func TestImagesTrainAUNetByDefault(t *testing.T) {
	dir := t.TempDir()
	pngs := filepath.Join(dir, "six")
	writeSquarePNGs(t, pngs, 30, 6)
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", pngs, "-out", run, "-set", "train.steps=2")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	for _, want := range []string{"model.type unet", "train.optimizer.lr 0.0005", "train.batch_size: 29, every training point", "model.channels [32 64]: the default's levels of [128] dropped, as 6x6 images cannot be halved 2 times"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the start-up lines lack %q:\n%s", want, errs)
		}
	}
	config, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	for _, want := range []string{"type: unet", "channels_auto: true", "holdout: 0.02"} {
		if !strings.Contains(string(config), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, config)
		}
	}
	if strings.Contains(string(config), "- 128") {
		t.Errorf("config.yaml keeps the dropped level:\n%s", config)
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=3"); code != 0 {
		t.Errorf("resume: exit %d: %s", code, errs)
	}
}

// An image run trained as the MLP, resumed with a config that names no
// network (written before images defaulted to the unet): refused, naming
// the key to give, where it would otherwise fail on another key.
func TestImageMLPRunResumedByAConfigWithoutModel(t *testing.T) {
	dir := t.TempDir()
	pngs := filepath.Join(dir, "pngs")
	writePNGFolder(t, pngs, 30)
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-data", pngs, "-out", run, "-set", "model.type=mlp", "-set", "model.hidden=[8]", "-set", "train.steps=4"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	mine := filepath.Join(dir, "mine.yaml")
	os.WriteFile(mine, []byte("name: pngs\ndata: {dataset: images, path: "+pngs+"}\ntrain: {steps: 8}\noutput: {dir: "+run+"}\n"), 0o644)
	code, _, errs := scorenet("train", "-config", mine, "-resume")
	if code != 1 || !strings.Contains(errs, "was trained as model.type mlp; images now default to the unet: give model.type: mlp") {
		t.Errorf("exit %d: %s", code, errs)
	}
}
