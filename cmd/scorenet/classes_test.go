package main

import (
	be "encoding/binary"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"scorenet/checkpoints"
	"strings"
	"testing"
)

// writeIDXLabels writes labels as an IDX label file.
func writeIDXLabels(t *testing.T, path string, labels []byte) {
	t.Helper()
	b := be.BigEndian.AppendUint32([]byte{0, 0, 8, 1}, uint32(len(labels)))
	if err := os.WriteFile(path, append(b, labels...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cycling is n labels 0, 1, ..., k-1, 0, 1, ...
func cycling(n, k int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % k)
	}
	return b
}

// A class-conditional image run: trained from an IDX label file, sampled a
// class at a time with guidance into a grid of a row per class, with a
// verdict per class; what it cannot do is refused in one line.
func TestClassConditionalImages(t *testing.T) {
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels-idx1-ubyte")
	writeIDXLabels(t, labels, cycling(300, 3))
	_, runDir, errs := tinyImageRun(t, dir, "ema: 0.9", "data.labels="+labels)
	if !strings.Contains(errs, "3 classes") || !strings.Contains(errs, "model.classes: 3, from the labels (the classes' points: [") {
		t.Errorf("train does not say the classes it found: %q", errs)
	}
	grid := filepath.Join(dir, "grid.png")
	code, out, errs := scorenet("sample", "-run", runDir, "-n", "9", "-class", "all", "-guidance", "1", "-sampler", "heun", "-grid", grid, "-out", filepath.Join(dir, "s.npy"))
	if code != 0 {
		t.Fatalf("sample -class all: exit %d, %q %q", code, out, errs)
	}
	for _, class := range []string{"class 0: verdict on 3 samples", "class 1: verdict on 3 samples", "class 2: verdict on 3 samples"} {
		if !strings.Contains(errs, class) {
			t.Errorf("no %q in %q", class, errs)
		}
	}
	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 3 columns of 5 pixels and 3 rows of 6, 2 pixels apart.
	if b := img.Bounds(); b.Dx() != 3*5+2*2 || b.Dy() != 3*6+2*2 {
		t.Errorf("the grid is %dx%d, want 3 classes of 3 images", b.Dx(), b.Dy())
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"a class past the last", []string{"-class", "3"}, `-class 3: "3" is not a class: want all, or classes from 0 to 2`},
		{"guidance without a class", []string{"-guidance", "2"}, "-guidance steers samples toward a class: give -class too"},
		{"guidance by -set without a class", []string{"-set", "sample.guidance=2"}, "-guidance steers samples toward a class: give -class too"},
		{"every class from fewer samples than classes", []string{"-class", "all", "-n", "2"}, "-class all gives the chains 3 classes in turn: -n must be at least 3, got 2"},
		{"a grid by class of fewer samples than classes", []string{"-class", "all", "-n", "2", "-grid", filepath.Join(dir, "g2.png")}, "-class all gives the chains 3 classes in turn: -n must be at least 3, got 2"},
		{"negative guidance", []string{"-class", "1", "-guidance", "-2"}, "sample.guidance: must be from 0"},
		{"a shard", []string{"-class", "1", "-shard", "0/2"}, "-class: not with -shard"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := scorenet(append([]string{"sample", "-run", runDir, "-n", "4", "-out", filepath.Join(dir, c.name+".npy")}, c.args...)...)
			if code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("exit %d, stderr %q; want one line with %q", code, errs, c.want)
			}
		})
	} // A class-conditional run's checkpoints all record each class's
	// moments: one without them was edited.
	ckpt, err := checkpoints.Load(filepath.Join(runDir, "checkpoints", "step-000000030.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	delete(ckpt.Meta, "data_moments")
	edited := filepath.Join(dir, "edited.safetensors")
	if err := checkpoints.SaveAs(edited, ckpt); err != nil {
		t.Fatal(err)
	}
	code, _, errs = scorenet("sample", "-run", runDir, "-checkpoint", edited, "-class", "1", "-n", "3", "-out", filepath.Join(dir, "e.npy"))
	if code == 0 || !strings.Contains(errs, "no data_moments metadata, which every class-conditional run's checkpoints have") {
		t.Errorf("a checkpoint without its moments: exit %d, %q", code, errs)
	}
}

// Labels that do not fit the data are refused before training, naming the
// file and what was expected.
func TestBadLabels(t *testing.T) {
	dir := t.TempDir()
	images := filepath.Join(dir, "images-idx3-ubyte")
	writeIDX(t, images, 30, 6, 5)
	short, gap := filepath.Join(dir, "short-labels"), filepath.Join(dir, "gap-labels")
	writeIDXLabels(t, short, cycling(29, 3))
	gapped := cycling(30, 3)
	gapped[4] = 7 // classes 3..6 have no image
	writeIDXLabels(t, gap, gapped)
	table := filepath.Join(dir, "table.csv")
	os.WriteFile(table, []byte("a,b,kind\n1,2,0\n3,4,1\n5,6,-1\n7,8,0\n"), 0o644)
	var lonely strings.Builder
	lonely.WriteString("a,b,kind\n9,9,lonely\n")
	for i := range 40 {
		fmt.Fprintf(&lonely, "%d,%d,%s\n", i, i%7, []string{"ant", "bee"}[i%2])
	}
	single := filepath.Join(dir, "lonely.csv")
	os.WriteFile(single, []byte(lonely.String()), 0o644)
	for _, c := range []struct {
		name string
		sets []string
		want string
	}{
		{"a label file of another count", []string{"data.dataset=idx", "data.path=" + images, "data.labels=" + short},
			short + ": 29 labels for the 30 images of " + images},
		{"a class without images", []string{"data.dataset=idx", "data.path=" + images, "data.labels=" + gap},
			gap + ": class 3 has no point, though row 4 (counting from 0) has label 7: number the classes from 0 without gaps"},
		{"a negative label", []string{"data.dataset=file", "data.path=" + table, "data.label_column=kind"},
			table + ` line 4, column 3: label "-1" is not a class: want an integer from 0 to 65535, or a name`},
		{"a class of one point", []string{"data.dataset=file", "data.path=" + single, "data.label_column=kind", "data.holdout=0"},
			single + " (data.label_column kind): class 2 (lonely) has 1 of its 1 point in the training split (data.holdout 0 holds out the rest): a class needs at least 2"},
		{"more classes than the labels", []string{"data.dataset=file", "data.path=" + single, "data.label_column=kind", "model.classes=5", "data.holdout=0"},
			"the labels have 3 classes (0 to 2), model.classes is 5: leave model.classes out"},
		{"other class names than the labels", []string{"data.dataset=file", "data.path=" + single, "data.label_column=kind", "model.classes=3", "model.class_names=[x,y,z]", "data.holdout=0"},
			"the labels name the classes ant, bee, lonely, model.class_names x, y, z: leave model.class_names out"},
		{"a label column not in the file", []string{"data.dataset=file", "data.path=" + table, "data.label_column=species"},
			`data.label_column "species" is not a column: want a header name or a number from 1 to 3 (its header names a, b, kind)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"train", "-config", "../../configs/moons.yaml", "-set", "output.dir=" + filepath.Join(dir, "run-"+c.name), "-set", "train.loss=anneal_dsm", "-set", "model.noise_conditional=true"}
			for _, s := range c.sets {
				args = append(args, "-set", s)
			}
			code, _, errs := scorenet(args...)
			if code == 0 || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, stderr %q; want %q", code, errs, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "run-"+c.name, "checkpoints")); err == nil {
				t.Error("the refused run left a checkpoints folder")
			}
		})
	}
	// A run without classes has none to sample.
	_, runDir, _ := tinyImageRun(t, t.TempDir(), "ema: 0")
	code, _, errs := scorenet("sample", "-run", runDir, "-class", "1", "-out", filepath.Join(dir, "x.npy"))
	if code == 0 || !strings.Contains(errs, "-class 1: this run's model has no classes (train it with data.labels or data.label_column)") {
		t.Errorf("-class on a run without classes: exit %d, %q", code, errs)
	}
}

// A run is never trained without the unconditional score (label dropout
// 0 is refused); -class may not be empty; a refused sample leaves none of
// the folders its outputs needed.
func TestNoDropoutNoUnconditionalScore(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,kind\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i%9, i%7+3*(i%2), i%2)
	}
	table := filepath.Join(dir, "t.csv")
	os.WriteFile(table, []byte(b.String()), 0o644)
	run := filepath.Join(dir, "run")
	args := []string{"train", "-data", table, "-out", run, "-set", "data.label_column=kind", "-set", "train.steps=20", "-set", "model.hidden=[16,16]", "-set", "data.holdout=0.2"}
	code, _, errs := scorenet(append(args, "-set", "train.label_dropout=0")...)
	if code == 0 || !strings.Contains(errs, "train.label_dropout: must be in (0, 1)") {
		t.Errorf("label dropout 0: exit %d, %q", code, errs)
	}
	if code, _, errs = scorenet(args...); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	code, _, errs = scorenet("sample", "-run", run, "-n", "4", "-class", "", "-out", filepath.Join(dir, "s.csv"))
	if code == 0 || !strings.Contains(errs, "-class is empty") {
		t.Errorf("-class \"\": exit %d, %q", code, errs)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-n", "4", "-class", "1", "-out", filepath.Join(dir, "s.csv")); code != 0 {
		t.Errorf("-class 1 without guidance: %s", errs)
	}
	for range 4 { // the outputs were once made in a random order
		code, _, _ := scorenet("sample", "-run", run, "-n", "4", "-class", "1", "-out", filepath.Join(dir, "new", "x.csv"), "-plot", "/proc/none/p.png")
		if _, err := os.Stat(filepath.Join(dir, "new")); code == 0 || err == nil {
			t.Fatalf("a refused -plot: exit %d, and the folder -out needed is left behind", code)
		}
	}
}

// Chains left out of labelled samples are named with their classes.
func TestLostClassesNamed(t *testing.T) {
	labels := []int32{0, 1, 2, 0, 1, 2}
	if got := lostClasses([]int{1, 4}, labels, 0); got != ", in chain order; left out: chain 1 (class 1), 4 (class 1)" {
		t.Errorf("got %q", got)
	}
	if got := lostClasses([]int{1}, nil, 0); got != "" {
		t.Errorf("without labels: %q", got)
	}
}
