package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"scorenet/datasets"
)

// writeStrokes writes n 8x8 images of levels 0..16 as a CSV, one image a
// row: a bar two pixels thick on a dark ground, as a digit's stroke is.
func writeStrokes(t *testing.T, path string, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(6, 6))
	var b strings.Builder
	for i := range 64 {
		fmt.Fprintf(&b, "p%d", i)
		b.WriteString(map[bool]string{true: "\n", false: ","}[i == 63])
	}
	for range n {
		for i, v := range stroke(r) {
			fmt.Fprintf(&b, "%d", v)
			b.WriteString(map[bool]string{true: "\n", false: ","}[i == 63])
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stroke is an 8x8 image of levels 0..16: a bar two pixels thick on a
// dark ground, as a digit's stroke is.
func stroke(r *rand.Rand) [64]int {
	var img [64]int
	r0, c0, length := r.IntN(8), r.IntN(8), 2+r.IntN(4)
	across := r.IntN(2) == 0
	for k := range length {
		y, x := r0, c0+k
		if !across {
			y, x = r0+k, c0
		}
		for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}} {
			if yy, xx := y+d[0], x+d[1]; yy < 8 && xx < 8 {
				img[yy*8+xx] = 12 + r.IntN(5)
			}
		}
	}
	return img
}

// train -data on a table of pixels (64 columns of integer levels whose
// neighbours share their ink) trains the unet on 8x8 images: said at
// start-up, written into config.yaml, kept on resume, and not chosen when
// a -set names the network or asks for what only the MLP does (the exact
// loss); the samples are the table's levels.
func TestPixelTableTrainsTheUNet(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "pixels.csv")
	writeStrokes(t, data, 600)
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=4", "-set", "model.channels=[8,16]")
	if code != 0 {
		t.Fatalf("train -data: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "data: the 64 columns are 8x8 grayscale images of integer levels 0 to 16") || !strings.Contains(errs, "model.type unet with model.shape [8, 8, 1]") {
		t.Errorf("the start-up lines do not say the images:\n%s", errs)
	}
	config, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	for _, want := range []string{"type: unet", "shape:\n        - 8\n        - 8\n        - 1", "loss: edm_dsm"} {
		if !strings.Contains(string(config), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, config)
		}
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=6"); code != 0 || strings.Contains(errs, "data: the 64 columns") {
		t.Errorf("resume: exit %d; it looked at the data again or failed: %s", code, errs)
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "type: unet") {
		t.Errorf("config.yaml after the resume:\n%s", c)
	}
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-out", samples, "-n", "20", "-set", "sample.steps=4"); code != 0 || !strings.Contains(errs, "over the image") {
		t.Fatalf("sample: exit %d (want a verdict over the image): %s", code, errs)
	}
	got, err := datasets.ReadFile(samples)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got.X {
		if v != float64(int(v)) || v < 0 || v > 16 {
			t.Fatalf("sample value %d is %v, want a level 0 to 16", i, v)
		}
	}
	exact := filepath.Join(dir, "exact")
	code, _, errs = scorenet("train", "-data", data, "-out", exact, "-set", "train.steps=2", "-set", "train.loss=exact")
	if c, _ := os.ReadFile(filepath.Join(exact, "config.yaml")); code != 0 || !strings.Contains(errs, "but the unet cannot take this -set") || !strings.Contains(string(c), "type: mlp") {
		t.Errorf("train.loss=exact, which only the MLP takes: exit %d, want the MLP and a note saying why: %s", code, errs)
	}
	mlp := filepath.Join(dir, "mlp")
	if code, _, errs := scorenet("train", "-data", data, "-out", mlp, "-set", "train.steps=2", "-set", "model.hidden=[16]"); code != 0 || strings.Contains(errs, "model.type unet") {
		t.Errorf("model.hidden given: exit %d, yet the unet was chosen: %s", code, errs)
	}
}

// train -data looks at a table's first rows for pixels, a .npy file's
// too, its label column given or not: a .npy file of 200000 labelled
// 8x8 images, 104 MB as float64, was read whole to look at 2000 of them
// (then again to train).
func TestPixelTableReadsTheFirstRows(t *testing.T) {
	const n, d = 200000, 65 // a class 0 to 3, then 64 pixels
	path := filepath.Join(t.TempDir(), "digits.npy")
	header := fmt.Sprintf("{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }", n, d)
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	r := rand.New(rand.NewPCG(6, 7))
	for i := range pixelRows { // the rows after them are 0
		b = append(b, byte(i%4))
		for _, v := range stroke(r) {
			b = append(b, byte(v))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(len(b)-pixelRows*d+n*d)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, label string
		found       bool // the label column found (datasets.PixelGridLabelled)
	}{
		{"label column found", "", true},
		{"label column given", "1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, err := dataConfig(path, t.TempDir(), c.label, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			grid, class, ok := pixelTable(text, path, nil)
			runtime.ReadMemStats(&after)
			if !ok || grid.Side != 8 || (class.Column != "") != c.found {
				t.Errorf("got grid %+v, class column %q, %v; want 8x8 pixels, the class column found: %v", grid, class.Column, ok, c.found)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("looking at the first %d rows allocated %d MB, want under 16 (the file is %d MB as float64)", pixelRows, alloc>>20, 8*n*d>>20)
			}
		})
	}
}
