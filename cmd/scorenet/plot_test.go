package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBinary runs the built binary, from the outside; a crash (a Go panic
// exits 2) fails the test.
func runBinary(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errs.String(), "goroutine ") || strings.HasPrefix(errs.String(), "panic:") {
		t.Errorf("scorenet %s crashed:\n%s", strings.Join(args, " "), errs.String())
	}
	return code, out.String(), errs.String()
}

// trainSmall makes a small run of the config (with -set overrides) in dir/run.
func trainSmall(t *testing.T, dir, config string, sets ...string) string {
	t.Helper()
	runDir := filepath.Join(dir, "run")
	args := []string{"train", "-config", config, "-set", "output.dir=" + runDir}
	for _, s := range sets {
		args = append(args, "-set", s)
	}
	if code, _, errs := runBinary(t, args...); code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	return runDir
}

// writeCSV writes n random points of d coordinates around 0 to path,
// scaled by scale.
func writeCSV(t *testing.T, path string, n, d int, scale float64, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%g", scale*r.NormFloat64())
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// rowsWith is the fraction of img's rows holding a pixel within 30 of c
// in every channel.
func rowsWith(img image.Image, c color.RGBA) float64 {
	near := func(a, b uint8) bool { return int(a)-int(b) < 30 && int(b)-int(a) < 30 }
	b, rows := img.Bounds(), 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if near(p.R, c.R) && near(p.G, c.G) && near(p.B, c.B) {
				rows++
				break
			}
		}
	}
	return float64(rows) / float64(b.Dy())
}

// oneLine fails unless s is a single line holding want.
func oneLine(t *testing.T, what, s, want string) {
	t.Helper()
	if s = strings.TrimSuffix(s, "\n"); strings.Contains(s, "\n") || !strings.Contains(s, want) {
		t.Errorf("%s: stderr %q, want one line saying %q", what, s, want)
	}
}

var blue = color.RGBA{R: 31, G: 119, B: 180, A: 255} // the first sample set's colour

// plot -samples draws samples.png whatever the model's dimension: 1-D as
// histograms, 5-D as coordinates 1 and 2; and says why there is no
// field.png.
func TestPlotSamplesForAnyDimension(t *testing.T) {
	t.Run("1-D", func(t *testing.T) {
		dir := t.TempDir()
		runDir := trainSmall(t, dir, "../../configs/gaussian1d_model.yaml", "train.steps=5")
		samples := filepath.Join(dir, "langevin.csv")
		writeCSV(t, samples, 500, 1, 2, 1)
		out := filepath.Join(dir, "figs")
		code, stdout, errs := runBinary(t, "plot", "-run", runDir, "-samples", samples, "-out", out)
		want := "wrote " + filepath.Join(out, "loss.png") + "\nwrote " + filepath.Join(out, "samples.png") + "\n"
		if code != 0 || stdout != want {
			t.Fatalf("plot exited %d: stdout %q, want %q; stderr %q", code, stdout, want, errs)
		}
		oneLine(t, "1-D plot", errs, "no field.png: the score field is drawn for 2-D models, this one is 1-dimensional")
		img := readPNG(t, filepath.Join(out, "samples.png"))
		if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 600 {
			t.Errorf("samples.png is %dx%d", b.Dx(), b.Dy())
		}
		if rows := rowsWith(img, blue); rows < 0.3 {
			t.Errorf("the samples' colour is in %.0f%% of samples.png's rows, want a histogram's outline over at least 30%%", 100*rows)
		}
	})
	t.Run("5-D", func(t *testing.T) {
		dir := t.TempDir()
		data := filepath.Join(dir, "data.csv")
		writeCSV(t, data, 400, 5, 1, 2)
		config := filepath.Join(dir, "five.yaml")
		if err := os.WriteFile(config, []byte("name: five\ndata: {dataset: file, path: "+data+"}\nmodel: {hidden: [8]}\n"+
			"train: {steps: 5, batch_size: 16, log_every: 5}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		runDir := trainSmall(t, dir, config)
		samples := filepath.Join(dir, "annealed.csv")
		writeCSV(t, samples, 300, 5, 1.5, 3)
		code, stdout, errs := runBinary(t, "plot", "-run", runDir, "-samples", samples)
		if code != 0 || !strings.Contains(stdout, "wrote "+filepath.Join(runDir, "samples.png")+"\n") {
			t.Fatalf("plot exited %d: stdout %q, stderr %q", code, stdout, errs)
		}
		oneLine(t, "5-D plot", errs, "this one is 5-dimensional")
		if rows := rowsWith(readPNG(t, filepath.Join(runDir, "samples.png")), blue); rows < 0.3 {
			t.Errorf("the samples' colour is in %.0f%% of samples.png's rows, want a scatter over at least 30%%", 100*rows)
		}
		// A samples file of another dimension is refused, by name.
		wrong := filepath.Join(dir, "wrong.csv")
		writeCSV(t, wrong, 10, 2, 1, 4)
		code, _, errs = runBinary(t, "plot", "-run", runDir, "-samples", wrong)
		if code != 1 {
			t.Errorf("plot with 2-column samples of a 5-D model exited %d", code)
		}
		oneLine(t, "mismatched samples", errs, "-samples "+wrong+": 2 columns, the model's dimension is 5")
	})
}

// -grid outside 2..200 is refused in one line naming the flag, before any
// work: no panic, no allocation without bound, nothing written.
func TestPlotGridLimits(t *testing.T) {
	dir := t.TempDir()
	runDir := trainSmall(t, dir, "../../configs/gaussian2d.yaml", "data.n=300", "model.hidden=[8]", "train.steps=5")
	for _, grid := range []int{-5, 0, 1, 201, 1000000} {
		out := filepath.Join(dir, fmt.Sprint("out", grid))
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		code, stdout, errs := runBinary(t, "plot", "-run", runDir, "-out", out, "-grid", fmt.Sprint(grid))
		if code != 1 || stdout != "" {
			t.Errorf("-grid %d: exit %d, stdout %q", grid, code, stdout)
		}
		oneLine(t, fmt.Sprint("-grid ", grid), errs, fmt.Sprintf("-grid %d: want 2 to 200 arrows per side", grid))
		if files, err := os.ReadDir(out); err != nil || len(files) > 0 {
			t.Errorf("-grid %d: plot wrote %d files before refusing (%v)", grid, len(files), err)
		}
	}
	for _, grid := range []string{"2", "200"} {
		if code, _, errs := runBinary(t, "plot", "-run", runDir, "-out", filepath.Join(dir, "ok"+grid), "-grid", grid); code != 0 {
			t.Errorf("-grid %s: exit %d, %q", grid, code, errs)
		}
	}
}

// -out DIR is created, however deep; when it cannot be, plot says so in one
// line naming it. Every file written is named on stdout, nothing else is.
func TestPlotCreatesOutDirectory(t *testing.T) {
	dir := t.TempDir()
	runDir := trainSmall(t, dir, "../../configs/gaussian2d.yaml", "data.n=300", "model.hidden=[8]", "train.steps=5")
	samples := filepath.Join(dir, "s.csv")
	writeCSV(t, samples, 200, 2, 1, 5)
	out := filepath.Join(dir, "figures", "new", "deep")
	code, stdout, errs := runBinary(t, "plot", "-run", runDir, "-out", out, "-samples", samples, "-grid", "10")
	var want strings.Builder
	for _, f := range []string{"loss.png", "field.png", "samples.png"} {
		fmt.Fprintf(&want, "wrote %s\n", filepath.Join(out, f))
	}
	if code != 0 || stdout != want.String() {
		t.Fatalf("plot -out %s exited %d: stdout %q, want %q; stderr %q", out, code, stdout, want.String(), errs)
	}
	for _, f := range []string{"loss.png", "field.png", "samples.png"} {
		img := readPNG(t, filepath.Join(out, f))
		if b := img.Bounds(); f == "field.png" && (b.Dx() < 600 || b.Dy() < 600) {
			t.Errorf("field.png is %dx%d, want at least 600 a side", b.Dx(), b.Dy())
		}
	}

	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{file, filepath.Join(file, "sub")} {
		code, stdout, errs := runBinary(t, "plot", "-run", runDir, "-out", bad)
		if code != 1 || stdout != "" {
			t.Errorf("-out %s: exit %d, stdout %q", bad, code, stdout)
		}
		oneLine(t, "-out "+bad, errs, "-out "+bad+": cannot create the directory")
	}
}
