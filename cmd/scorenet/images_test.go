package main

import (
	be "encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIDX writes n images of h x w as an IDX file: stripes whose position
// depends on the image, so the data have structure.
func writeIDX(t *testing.T, path string, n, h, w int) {
	t.Helper()
	b := []byte{0, 0, 8, 3}
	for _, v := range []int{n, h, w} {
		b = be.BigEndian.AppendUint32(b, uint32(v))
	}
	for i := 0; i < n; i++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := byte(20)
				if (x+i)%w < 2 {
					v = 230
				}
				b = append(b, v)
			}
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyImageRun trains a small model for 30 steps on 300 images of 6x5
// (writeIDX) in dir, with train keys extra and train's -set overrides
// sets, and returns the IDX file, the run and train's stderr.
func tinyImageRun(t *testing.T, dir, extra string, sets ...string) (idx, run, errs string) {
	t.Helper()
	idx = filepath.Join(dir, "images-idx3-ubyte")
	writeIDX(t, idx, 300, 6, 5)
	cfg := filepath.Join(dir, "img.yaml")
	os.WriteFile(cfg, []byte("name: img\ndata: {dataset: idx, path: "+idx+"}\n"+
		"model: {hidden: [32, 32], activation: swish, noise_conditional: true, residual: true}\n"+
		"train: {loss: anneal_dsm, sigmas: auto, steps: 30, batch_size: 32, log_every: 10, eval_every: 10, "+extra+"}\n"+
		"sample: {n: 10, steps_per_level: 2, eps: auto, init: {kind: uniform, low: 0, high: 1}}\n"), 0o644)
	run = filepath.Join(dir, "run")
	args := []string{"train", "-config", cfg, "-set", "output.dir=" + run}
	for _, s := range sets {
		args = append(args, "-set", s)
	}
	code, _, errs := scorenet(args...)
	if code != 0 {
		t.Fatalf("train: %s", errs)
	}
	return idx, run, errs
}

// An image run from an IDX file keeps its image shape: samples come back as
// a grid and as one PNG per sample, with the data scaled to [0, 1].
func TestImageRunGivesImages(t *testing.T) {
	dir := t.TempDir()
	idx, runDir, errs := tinyImageRun(t, dir, "ema: 0.9, sample_every: 15")
	if !strings.Contains(errs, "data: 300 images of 6x5 grayscale from "+idx+", pixels scaled to [0, 1] as (v + u)/256") {
		t.Errorf("start-up lines %q do not describe the images", errs)
	}
	if f, err := os.Open(filepath.Join(runDir, "samples-latest.png")); err != nil {
		t.Errorf("no samples-latest.png during training: %v", err)
	} else if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 8*5+7*2 {
		t.Errorf("samples-latest.png is not a grid of the run's images: %v", err)
	}
	grid, each := filepath.Join(dir, "grid.png"), filepath.Join(dir, "each")+"/"
	code, out, errs := scorenet("sample", "-run", runDir, "-grid", grid, "-out", each)
	if code != 0 || !strings.Contains(out, "wrote "+grid) {
		t.Fatalf("sample: exit %d, %q %q", code, out, errs)
	}
	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// 10 images in 8 columns, 2 rows, 2-px gaps.
	if b := img.Bounds(); b.Dx() != 8*5+7*2 || b.Dy() != 2*6+2 {
		t.Errorf("grid is %v, want 8 x 2 images of 6x5 with 2-px gaps", b)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "each", "sample-*.png"))
	if len(files) != 10 {
		t.Errorf("-out DIR/ wrote %d PNGs, want 10", len(files))
	}
	code, out, errs = scorenet("eval", "-run", runDir, "-n", "10")
	if code != 0 || !strings.Contains(out, `"compared_with": "the held-out split, 30 points`) || !strings.Contains(out, `"memorisation": {`) ||
		!strings.Contains(out, `"model_units": {`) || !strings.Contains(out, `"per_level": [`) {
		t.Errorf("eval of an image run: exit %d, %q %q", code, out, errs)
	}
	pointsRun := filepath.Join(dir, "points")
	scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+pointsRun, "-set", "train.steps=2", "-set", "model.hidden=[4]")
	if code, _, errs := scorenet("sample", "-run", pointsRun, "-out", filepath.Join(dir, "p.csv"), "-grid", filepath.Join(dir, "g.png")); code == 0 ||
		!strings.Contains(errs, "-grid and -out DIR/ need an image run") {
		t.Errorf("-grid on a points run: exit %d, %q", code, errs)
	}

	// A run trained on a folder of PNGs (the samples just drawn) refuses
	// to write its samples, one PNG each, into that folder.
	folderRun := filepath.Join(dir, "folder")
	if code, _, errs := scorenet("train", "-config", filepath.Join(dir, "img.yaml"), "-set", "output.dir="+folderRun, "-set", "data.dataset=images", "-set", "data.path="+each,
		"-set", "data.holdout=0", "-set", "train.batch_size=4", "-set", "train.eval_every=0", "-set", "train.sample_every=0"); code != 0 {
		t.Fatalf("train on a PNG folder: %s", errs)
	}
	before, _ := filepath.Glob(filepath.Join(dir, "each", "*"))
	code, _, errs = scorenet("sample", "-run", folderRun, "-out", each)
	if code != 1 {
		t.Errorf("samples into the training folder: exit %d", code)
	}
	oneLine(t, "samples into the training folder", errs, "would write into "+each+", which is the run's training data")
	if after, _ := filepath.Glob(filepath.Join(dir, "each", "*")); len(after) != len(before) {
		t.Errorf("the training folder had %d files, now %d", len(before), len(after))
	}
}
