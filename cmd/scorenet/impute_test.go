package main

import (
	be "encoding/binary"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// writeNPY writes the values as a .npy array of 2 columns.
func writeNPY(t *testing.T, path string, x []float64) string {
	t.Helper()
	if err := datasets.WriteFile(path, points.Points{N: len(x) / 2, D: 2, X: x}); err != nil {
		t.Fatal(err)
	}
	return path
}

// correlatedGaussian writes n rows of N(mu, S) for the S of
// sampler.TestKnownCoordinatesGiveTheGaussianConditional, by its Cholesky
// factor, with a header.
func correlatedGaussian(t *testing.T, path string, n int, seed uint64) (mu []float64, S [][]float64) {
	t.Helper()
	mu = []float64{1, -2, 0.5}
	S = [][]float64{{2, 1.2, 0.5}, {1.2, 1.5, -0.3}, {0.5, -0.3, 1}}
	var L [3][3]float64 // S = L L^T
	for i := range 3 {
		for j := 0; j <= i; j++ {
			sum := S[i][j]
			for k := range j {
				sum -= L[i][k] * L[j][k]
			}
			if i == j {
				L[i][i] = math.Sqrt(sum)
			} else {
				L[i][j] = sum / L[j][j]
			}
		}
	}
	r := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for range n {
		z := [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		for i := range 3 {
			x := mu[i]
			for k := 0; k <= i; k++ {
				x += L[i][k] * z[k]
			}
			sep := ","
			if i == 2 {
				sep = "\n"
			}
			fmt.Fprintf(&b, "%.17g%s", x, sep)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return mu, S
}

// A model trained on a correlated Gaussian by `train -data` with nothing
// tuned, then `impute` with its defaults: the completions of a row missing
// two of its three entries follow the closed-form conditional. Means within
// 4 standard errors, where the error is the draws' and the training
// sample's (4000 rows estimate the conditional mean to about
// sqrt(var/4000)) and the model's, allowed as 0.05 of the conditional
// spread (0.11 and 0.05 in data units were measured, against 0.30 and 0.27
// allowed); variances within 15% (12% and 7% above were measured:
// annealed Langevin's 100 steps at each low level keep a little of the
// spread of the levels above). The given entry comes back exactly as
// given.
func TestImputeFollowsTheGaussianConditional(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model for about 10 s")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "gauss.csv")
	mu, S := correlatedGaussian(t, data, 4000, 3)
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=6000"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	const given = 2.0
	in := filepath.Join(dir, "holes.csv")
	if err := os.WriteFile(in, []byte(fmt.Sprintf("a,b,c\n,NA,%v\n", given)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, drawsFile, spreadFile := filepath.Join(dir, "filled.csv"), filepath.Join(dir, "draws.csv"), filepath.Join(dir, "spread.csv")
	const n = 2000
	code, stdout, errs := scorenet("impute", "-run", run, "-in", in, "-out", out, "-n", fmt.Sprint(n), "-draws", drawsFile, "-spread", spreadFile)
	if code != 0 {
		t.Fatalf("impute: %s", errs)
	}
	if !strings.Contains(stdout, "completed 2 missing entries in 1 of 1 row, 2000 draws each") {
		t.Errorf("stdout: %q", stdout)
	}
	draws, err := datasets.ReadFile(drawsFile)
	if err != nil || draws.N != n || draws.D != 3 {
		t.Fatalf("draws: %d x %d, %v", draws.N, draws.D, err)
	}
	var mean [2]float64
	for r := range n {
		row := draws.Row(r)
		if row[2] != given {
			t.Fatalf("draw %d: the given entry is %v, want %v exactly", r, row[2], given)
		}
		mean[0] += row[0] / n
		mean[1] += row[1] / n
	}
	var variance [2]float64
	for r := range n {
		for i := range 2 {
			d := draws.Row(r)[i] - mean[i]
			variance[i] += d * d / (n - 1)
		}
	}
	estimate, err := datasets.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := os.ReadFile(out); !strings.HasPrefix(string(text), "a,b,c\n") {
		t.Errorf("the completed rows lack the input's header: %.40q", text)
	}
	spread, err := datasets.ReadFile(spreadFile)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		wantMean := mu[i] + S[i][2]/S[2][2]*(given-mu[2])
		wantVar := S[i][i] - S[i][2]*S[i][2]/S[2][2]
		se := math.Sqrt(wantVar/n + wantVar/4000 + 0.05*0.05*wantVar)
		t.Logf("coordinate %d: mean %.4f (want %.4f +/- %.4f), variance %.4f (want %.4f)", i, mean[i], wantMean, 4*se, variance[i], wantVar)
		if math.Abs(mean[i]-wantMean) > 4*se {
			t.Errorf("coordinate %d: conditional mean %.4f, want %.4f +/- %.4f", i, mean[i], wantMean, 4*se)
		}
		if math.Abs(variance[i]/wantVar-1) > 0.15 {
			t.Errorf("coordinate %d: conditional variance %.4f, want %.4f within 15%%", i, variance[i], wantVar)
		}
		if math.Abs(estimate.X[i]-mean[i]) > 1e-9*math.Abs(mean[i])+1e-12 {
			t.Errorf("coordinate %d: the estimate %v is not the draws' mean %v", i, estimate.X[i], mean[i])
		}
		if math.Abs(spread.X[i]-math.Sqrt(variance[i])) > 1e-9 {
			t.Errorf("coordinate %d: the spread %v is not the draws' standard deviation %v", i, spread.X[i], math.Sqrt(variance[i]))
		}
	}
	if estimate.X[2] != given || spread.X[2] != 0 {
		t.Errorf("the given entry: estimate %v, spread %v; want %v and 0", estimate.X[2], spread.X[2], given)
	}
}

// Bad input to impute ends in a one-line error naming the file and the
// row or flag, before any work; rows with nothing missing come back as
// given.
func TestImputeRefusesBadInput(t *testing.T) {
	dir, data, run := smallTableRun(t, 21)
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	out := filepath.Join(dir, "out.csv")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a row with every entry missing", []string{"-in", write("empty.csv", "# rows\n\n1,\n,\n")}, "empty.csv line 4: every entry is missing"},
		{"a first row of NA is a row, not a header", []string{"-in", write("nahead.csv", "NA,NA\n1,\n")}, "nahead.csv line 1: every entry is missing"},
		{"a .npy row with every entry missing", []string{"-in", writeNPY(t, filepath.Join(dir, "empty.npy"), []float64{1, math.NaN(), math.NaN(), math.NaN()})}, "empty.npy row 1 (counting from 0, as a[1] in NumPy): every entry is missing"},
		{"a given entry far outside the data", []string{"-in", write("far.csv", "1,\n1e308,\n")}, "far.csv line 2, column 1: 1e+308 is beyond the reach of the model's training"},
		{"one output inside another", []string{"-in", write("ok10.csv", "1,\n"), "-draws", filepath.Join(dir, "nd2", "d.csv"), "-spread", filepath.Join(dir, "nd2", "d.csv", "s.csv")}, "-spread " + filepath.Join(dir, "nd2", "d.csv", "s.csv") + ": inside -draws"},
		{"an output ending in /", []string{"-in", write("ok4.csv", "1,\n"), "-out", filepath.Join(dir, "newdir") + "/"}, "is a directory, want a .csv or .npy file"},
		{"an output that cannot be written, after one that can", []string{"-in", write("ok5.csv", "1,\n"), "-out", filepath.Join(dir, "newA", "sub", "o.csv"), "-spread", "/proc/x.csv"}, "-spread /proc/x.csv: cannot"},
		{"-grid on a table run", []string{"-in", write("ok6.csv", "1,\n"), "-grid", filepath.Join(dir, "g.png")}, "-mask and -grid need an image run"},
		{"too many columns", []string{"-in", write("wide.csv", "1,,3\n")}, "wide.csv: line 1 has 3 columns, want 2"},
		{"a .npy given entry far outside the data", []string{"-in", writeNPY(t, filepath.Join(dir, "far.npy"), []float64{1, math.NaN(), 1e6, math.NaN()})}, "far.npy row 1, column 0 (counting from 0, as a[1, 0] in NumPy): 1e+06 is"},
		{"a spread of one draw", []string{"-in", write("ok8.csv", "1,\n"), "-n", "1", "-spread", filepath.Join(dir, "sp.csv")}, "-spread needs -n of 2 or more"},
		{"a row with every entry missing, outputs in a new directory", []string{"-in", write("allna.csv", "1,\n,\n"), "-out", filepath.Join(dir, "nd1", "sub", "o.csv")}, "allna.csv line 2: every entry is missing"},
		{"a word for a missing entry", []string{"-in", write("word.csv", "1,\n1,n/a\n")}, `word.csv: line 2, column 2: "n/a" is neither a number nor missing`},
		{"no draws", []string{"-in", write("ok.csv", "1,\n"), "-n", "0"}, "-n must be from 1 to 100000"},
		{"the output over the input", []string{"-in", write("same.csv", "1,\n"), "-out", filepath.Join(dir, "same.csv")}, "same.csv"},
		{"the output over the training data", []string{"-in", write("ok2.csv", "1,\n"), "-out", data}, "d.csv"},
		{"a set outside sample", []string{"-in", write("ok3.csv", "1,\n"), "-set", "train.steps=3"}, "impute changes only sample.* keys"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"impute", "-run", run, "-out", out}, c.args...)
			code, _, errs := scorenet(args...)
			if code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("exit %d, stderr %q; want one line containing %q", code, errs, c.want)
			}
		})
	}
	for _, left := range []string{out, filepath.Join(dir, "newdir"), filepath.Join(dir, "newA"), filepath.Join(dir, "nd1"), filepath.Join(dir, "nd2")} {
		if _, err := os.Stat(left); err == nil {
			t.Errorf("a refused impute left %s behind", left)
		}
	}
	// A run that starts its samples from a file of points, or asks for a
	// sampler that cannot hold entries, still imputes, saying so.
	code, _, errs := scorenet("impute", "-run", run, "-in", write("ok7.csv", "1,\n"), "-out", out, "-n", "2", "-set", "sample.init.kind=file", "-set", "sample.init.path="+data, "-set", "sample.sampler=heun")
	if code != 0 || !strings.Contains(errs, "impute starts its chains uniform in [-3, 3]") || !strings.Contains(errs, "impute draws by annealed Langevin, which holds the given entries, not by heun") {
		t.Errorf("init from a file, sampler heun: exit %d, %q", code, errs)
	}
	// -rows reads no further than the rows it takes.
	if code, _, errs := scorenet("impute", "-run", run, "-in", write("late.csv", "1,\nx,y\n"), "-rows", "1", "-out", out, "-n", "2"); code != 0 {
		t.Errorf("-rows 1 on a file whose line 2 is bad: %s", errs)
	}
	// The file a run starts its samples from is the run's, though impute
	// does not read it.
	start := write("start.csv", "0,0\n1,1\n")
	startRun := filepath.Join(dir, "startrun")
	if code, _, errs := scorenet("train", "-data", data, "-out", startRun, "-set", "train.steps=20", "-set", "model.hidden=[8]", "-set", "sample.init.kind=file", "-set", "sample.init.path="+start); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	if code, _, errs := scorenet("impute", "-run", startRun, "-in", write("ok9.csv", "1,\n"), "-out", start); code == 0 || !strings.Contains(errs, "start.csv") {
		t.Errorf("-out onto the run's sample.init.path: exit %d, %q", code, errs)
	}
	// A row with nothing missing goes through as given, however far out.
	if code, _, errs := scorenet("impute", "-run", run, "-in", write("outlier.csv", "1000,1000\n3,\n"), "-out", filepath.Join(dir, "outlier-out.csv"), "-n", "2"); code != 0 {
		t.Errorf("a complete outlier row: %s", errs)
	}
	full := write("full.csv", "0.25,-1.5\n3,\n")
	code, _, errs = scorenet("impute", "-run", run, "-in", full, "-out", out, "-n", "3")
	if code != 0 {
		t.Fatalf("impute: %s", errs)
	}
	got, err := datasets.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.X[0] != 0.25 || got.X[1] != -1.5 || got.X[2] != 3 || math.IsNaN(got.X[3]) {
		t.Errorf("completed rows %v: want the first as given, the second's missing entry filled", got.X)
	}
}

// Inpainting on an image run: -in an IDX file, -mask a rectangle, -rows the
// first images; the given pixels come back as the run scaled them, the
// hole is filled with pixels in [0, 1], and -grid draws each image with
// its hole beside 7 completions. A bad -mask is one line naming it.
func TestImputeInpaintsImages(t *testing.T) {
	dir := t.TempDir()
	idx, run, _ := tinyImageRun(t, dir, "ema: 0.999")
	out, grid := filepath.Join(dir, "filled.npy"), filepath.Join(dir, "grid.png")
	code, stdout, errs := scorenet("impute", "-run", run, "-in", idx, "-mask", "3:6,0:5", "-rows", "2", "-n", "7", "-out", out, "-grid", grid)
	if code != 0 {
		t.Fatalf("impute: %s", errs)
	}
	if !strings.Contains(stdout, "completed 30 missing entries in 2 of 2 rows") || !strings.Contains(stdout, "wrote "+grid) {
		t.Errorf("stdout %q", stdout)
	}
	got, err := datasets.ReadFile(out)
	if err != nil || got.N != 2 || got.D != 30 {
		t.Fatalf("%d x %d, %v", got.N, got.D, err)
	}
	for i, v := range got.X {
		pixel, image := i%30, i/30
		x := pixel % 5
		if pixel < 15 { // rows 0-2 given: (v + 0.5)/256 for a dequantised run
			want := (20 + 0.5) / 256
			if (x+image)%5 < 2 {
				want = (230 + 0.5) / 256
			}
			if v != want {
				t.Fatalf("given pixel %d of image %d is %v, want %v", pixel, image, v, want)
			}
		} else if v < 0 || v > 1 {
			t.Fatalf("filled pixel %d of image %d is %v, outside [0, 1]", pixel, image, v)
		}
	}
	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if b := img.Bounds(); err != nil || b.Dx() != 8*5+7*2 || b.Dy() != 2*6+2 {
		t.Errorf("grid %v (%v): want 2 rows of 8 images of 6x5", img.Bounds(), err)
	}
	// An IDX file of another shape is refused by its header, before its
	// (here absent) million images are read.
	other := filepath.Join(dir, "other-idx3-ubyte")
	header := []byte{0, 0, 8, 3}
	for _, v := range []int{1000000, 28, 28} {
		header = be.BigEndian.AppendUint32(header, uint32(v))
	}
	os.WriteFile(other, header, 0o644)
	if code, _, errs := scorenet("impute", "-run", run, "-in", other, "-out", out); code == 0 || !strings.Contains(errs, "holds 28x28x1 images, the run's are 6x5x1") {
		t.Errorf("an IDX file of another shape: exit %d, %q", code, errs)
	}
	if code, _, errs := scorenet("impute", "-run", run, "-in", idx, "-mask", "3:6,0:5", "-rows", "1", "-out", out, "-grid", filepath.Join(dir, "grid.txt")); code == 0 || !strings.Contains(errs, `-grid `) || !strings.Contains(errs, `want .png`) {
		t.Errorf("-grid grid.txt: exit %d, %q", code, errs)
	}
	pixels := strings.Repeat("0.5,", 15) + "5" + strings.Repeat(",", 14) + "\n"
	os.WriteFile(filepath.Join(dir, "bright.csv"), []byte(pixels), 0o644)
	if code, _, errs := scorenet("impute", "-run", run, "-in", filepath.Join(dir, "bright.csv"), "-out", out); code == 0 || !strings.Contains(errs, "bright.csv line 1, column 16: 5 is not a pixel value") {
		t.Errorf("a given pixel of 5: exit %d, %q", code, errs)
	}
	if code, _, errs := scorenet("impute", "-run", run, "-in", idx, "-out", out); code == 0 || !strings.Contains(errs, "have no missing pixels: mark the ones to fill in with -mask") {
		t.Errorf("an IDX file without -mask: exit %d, %q", code, errs)
	}
	for _, mask := range []string{"3:7,0:5", "0:6,0:5", "3-6,0:5"} {
		code, _, errs := scorenet("impute", "-run", run, "-in", idx, "-mask", mask, "-out", out)
		if code == 0 || !strings.Contains(errs, "-mask") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("-mask %s: exit %d, %q", mask, code, errs)
		}
	}
}

// A model without noise levels (the exact loss) imputes by plain Langevin,
// even when asked for annealed, saying so.
func TestImputeOnAnExactModel(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeCSV(t, data, 200, 2, 3, 1)
	run := trainGuarded(t, dir, "exact", data, "train.loss=exact", "model.noise_conditional=false", "model.sigma_data=0", "sample.sampler=langevin", "sample.steps=20")
	in := filepath.Join(dir, "holes.csv")
	os.WriteFile(in, []byte("0.5,\n"), 0o644)
	code, stdout, errs := scorenet("impute", "-run", run, "-in", in, "-out", filepath.Join(dir, "o.csv"), "-n", "4", "-set", "sample.sampler=annealed")
	if code != 0 || !strings.Contains(errs, "impute draws by plain Langevin, which holds the given entries, not by annealed") || !strings.Contains(stdout, "by plain Langevin") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
}

// A file of rows whose header names the run's columns otherwise than the
// run learnt them is refused by the commands that read rows for a run,
// naming the first name that differs: values are read by their place,
// and a header "y,x" had impute hold the given y as x and write the
// completed x under y, exit 0 (a red-team pass). The run's own order,
// and no header, are read as before.
func TestRowsFilesFollowTheRunsHeader(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "xy.csv"), rand.New(rand.NewPCG(3, 4))
	writeRows(t, data, "x,y", 200, func(int) string {
		return fmt.Sprintf("%.4f,%.4f", rng.NormFloat64(), 5+rng.NormFloat64())
	})
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(text), 0o644)
		return path
	}
	for _, c := range []struct {
		name, text string
		want       string // "" where read
	}{
		{"the run's order", "x,y\n0,\n", ""},
		{"no header", "0,\n", ""},
		{"swapped", "y,x\n0,\n", `its header names "y" where the run's column 1 is "x"`},
		{"other names", "x,z\n0,\n", `its header names "z" where the run's column 2 is "y"`},
		{"a name in other case", "X,y\n0,\n", `its header names "X" where the run's column 1 is "x": names are matched as the run's header wrote them, case too`},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := write(strings.ReplaceAll(c.name, " ", "_")+".csv", c.text)
			code, _, errs := scorenet("impute", "-run", run, "-in", in, "-out", filepath.Join(dir, "out.csv"), "-n", "2")
			if c.want == "" && code != 0 {
				t.Errorf("impute: exit %d, %s", code, errs)
			}
			if c.want != "" && (code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0) {
				t.Errorf("impute: exit %d, stderr %q; want one line containing %q", code, errs, c.want)
			}
			full := write("full_"+strings.ReplaceAll(c.name, " ", "_")+".csv", strings.Replace(c.text, "0,\n", "0,5\n", 1))
			code, _, errs = scorenet("score", "-run", run, "-in", full, "-out", filepath.Join(dir, "s.csv"))
			if (c.want == "") != (code == 0) || (c.want != "" && !strings.Contains(errs, c.want)) {
				t.Errorf("score: exit %d, stderr %q; want %q", code, errs, c.want)
			}
		})
	}
}

// A table's rows' names come back on its completed rows, each draw's
// too, and a row whose name is missing keeps its values and its place,
// the first row's as any other's (the names were dropped from the output,
// and a missing one refused the file).
func TestImputeKeepsTheRowsNames(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "states.csv"), rand.New(rand.NewPCG(5, 6))
	writeRows(t, data, "state,x,y", 200, func(i int) string {
		return fmt.Sprintf("s%d,%.4f,%.4f", i, rng.NormFloat64(), rng.NormFloat64())
	})
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	in := filepath.Join(dir, "holes.csv")
	os.WriteFile(in, []byte("state,x,y\nNA,0.5,\nohio,,1\n,0.25,NA\n"), 0o644)
	out, draws := filepath.Join(dir, "out.csv"), filepath.Join(dir, "draws.csv")
	if code, _, errs := scorenet("impute", "-run", run, "-in", in, "-out", out, "-draws", draws, "-n", "2"); code != 0 {
		t.Fatalf("impute: exit %d, %s", code, errs)
	}
	for _, c := range []struct {
		path  string
		names []string
	}{{out, []string{"", "ohio", ""}}, {draws, []string{"", "", "ohio", "ohio", "", ""}}} {
		b, _ := os.ReadFile(c.path)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != len(c.names)+1 || lines[0] != "state,x,y" {
			t.Fatalf("%s:\n%s\nwant the header state,x,y and %d rows", filepath.Base(c.path), b, len(c.names))
		}
		for i, name := range c.names {
			cells := strings.Split(lines[i+1], ",")
			if len(cells) != 3 || cells[0] != name || cells[1] == "" || cells[2] == "" {
				t.Errorf("%s row %d: %q, want %q and two values", filepath.Base(c.path), i+1, lines[i+1], name)
			}
		}
	}
}

// A class-conditional run completes a row given its class: two classes
// whose x lie at -4 and +4 get their own x back, from a row that gives
// the class and y alone (drawn without the class, each came out near 0);
// the class is written back in its place, first; a row that gives its
// class alone is completed as a draw of that class.
func TestImputeGivenTheClass(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "two.csv"), rand.New(rand.NewPCG(11, 12))
	writeRows(t, data, "kind,x,y", 300, func(i int) string {
		kind, x := "a", -4.0
		if i%2 == 1 {
			kind, x = "b", 4.0
		}
		return fmt.Sprintf("%s,%.4f,%.4f", kind, x+0.5*rng.NormFloat64(), rng.NormFloat64())
	})
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=600", "-set", "model.hidden=[32,32]", "-set", "train.refit=false", "-threads", "1"); code != 0 || !strings.Contains(errs, "data.label_column auto: kind") {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	holes, filled := filepath.Join(dir, "holes.csv"), filepath.Join(dir, "filled.csv")
	os.WriteFile(holes, []byte("kind,x,y\na,,0\nb,,0\n,,0\nb,,\n"), 0o644)
	if code, _, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filled, "-n", "20"); code != 0 {
		t.Fatalf("impute: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, filled))), "\n")
	if len(lines) != 5 || lines[0] != "kind,x,y" {
		t.Fatalf("completed:\n%s", strings.Join(lines, "\n"))
	}
	for i, want := range []struct {
		kind   string
		lo, hi float64
	}{{"a", -5, -3}, {"b", 3, 5}, {"", -5, 5}, {"b", 3, 5}} { // the last gives its class alone
		cells := strings.Split(lines[i+1], ",")
		x, err := strconv.ParseFloat(cells[1], 64)
		if len(cells) != 3 || cells[0] != want.kind || err != nil || x < want.lo || x > want.hi {
			t.Errorf("row %d: %q, want class %q and x in [%g, %g]", i+1, lines[i+1], want.kind, want.lo, want.hi)
		}
	}
}

// A classed table with a column left out (an id) reads back both its
// training file and its own samples, which hold the class column and not
// the id: the samples were refused as lacking the id (a second reader:
// a table shaped as mlbench's BreastCancer).
func TestClassedRunReadsItsSamplesWithoutTheLeftOutColumn(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "bc.csv"), rand.New(rand.NewPCG(7, 8))
	writeRows(t, data, "Id,a,b,Class", 200, func(i int) string {
		return fmt.Sprintf("%d,%.3f,%.3f,%s", 100000+rng.IntN(900000), rng.NormFloat64(), rng.NormFloat64(), []string{"benign", "malignant"}[i%2])
	})
	run := filepath.Join(dir, "r")
	// Unmapped: score has no slope on a value many training rows share in
	// a quantile-mapped column, and these normal columns can read skewed.
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=20", "-set", "model.hidden=[8]", "-set", "data.quantile=none"); code != 0 || !strings.Contains(errs, "data.leave_out auto: Id") {
		t.Fatalf("train: exit %d, want Id left out: %s", code, errs)
	}
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "30", "-out", samples); code != 0 {
		t.Fatalf("sample: %s", errs)
	}
	for _, in := range []string{samples, data} {
		if code, _, errs := scorenet("score", "-run", run, "-in", in, "-out", filepath.Join(dir, "sc.csv")); code != 0 {
			t.Errorf("score -in %s: exit %d, %s", filepath.Base(in), code, errs)
		}
	}
}

// A name that only rows with a missing value hold is no level of its
// category, and the run reads its own file again with it: resumed,
// evaluated, its samples judged, its rows imputed (a second reader found
// each refusing the name once the levels left it out).
func TestUnseenLevelReadsBack(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "f.csv"), rand.New(rand.NewPCG(9, 10))
	writeRows(t, data, "x,y,kind", 305, func(i int) string {
		if i >= 300 {
			return "0.185,,zz" // the name only rows with a missing value hold
		}
		return fmt.Sprintf("%.3f,%.3f,%s", rng.NormFloat64(), rng.NormFloat64(), []string{"a", "b"}[i%2])
	})
	run := filepath.Join(dir, "r")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=50", "-set", "model.hidden=[8]")
	if code != 0 || !strings.Contains(errs, "not zz, which only rows with a missing value hold") {
		t.Fatalf("train: exit %d, want zz said unseen: %s", code, errs)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"resume", []string{"train", "-run", run, "-set", "train.steps=60"}},
		{"eval", []string{"eval", "-run", run, "-set", "sample.n=50"}},
		{"sample", []string{"sample", "-run", run, "-n", "50", "-out", filepath.Join(dir, "s.csv")}},
		{"impute", []string{"impute", "-run", run, "-in", writeHoles(t, dir, "x,y,kind\n0.5,,a\n,1.2,b\n"), "-out", filepath.Join(dir, "filled.csv"), "-n", "2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := scorenet(c.args...)
			if code != 0 || strings.Contains(errs, "is not a level") || c.name == "sample" && !strings.Contains(errs, "verdict on 50 samples") {
				t.Errorf("exit %d: %s", code, errs)
			}
		})
	}
	// A row given to impute with the unseen name has its other entries
	// completed without it, said, and the name written back as given (a
	// second reader found a learnt level put in silently, a new user
	// the given name replaced); score, which needs every value, leaves
	// its row empty, and refuses a file of such rows only.
	holes := writeHoles(t, dir, "x,y,kind\n0.5,1.2,zz\n")
	code, _, errs = scorenet("impute", "-run", run, "-in", holes, "-out", filepath.Join(dir, "filled.csv"), "-n", "2")
	if code != 0 || !strings.Contains(errs, `1 cell holds a name that is no level of its category column, which the model cannot condition on: the row's other entries are completed without it, and it is written back as given (the first, line 2, column 3: "zz" (column kind))`) {
		t.Errorf("impute of the unseen name: exit %d, %s", code, errs)
	} else if got := string(mustRead(t, filepath.Join(dir, "filled.csv"))); got != "x,y,kind\n0.5,1.2,zz\n" {
		t.Errorf("the row with the unseen name completed as %q, want it as given", got)
	}
	if code, _, errs = scorenet("score", "-run", run, "-in", holes, "-out", filepath.Join(dir, "s.csv")); code == 0 || !strings.Contains(errs, `no point is complete, to score: point 1 holds a missing value, or a name that is no level of its category column, read as missing (the first, line 2, column 3: "zz" (column kind))`) {
		t.Errorf("score of the unseen name: exit %d, %s", code, errs)
	}
}

// writeHoles writes rows to complete into dir/holes.csv.
func writeHoles(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "holes.csv")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// impute reads rows of a classed run whose class cells are blank, as a
// file with a fifth of its cells removed has them: the completions are
// drawn without the class anyway (it said "line 2 has 3 columns, want
// 2" instead, since the file no longer read as the run's kind).
func TestImputeTakesBlankClassCells(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "c.csv"), rand.New(rand.NewPCG(11, 12))
	writeRows(t, data, "a,b,kind", 200, func(i int) string {
		return fmt.Sprintf("%.3f,%.3f,%s", rng.NormFloat64(), rng.NormFloat64(), []string{"x", "y"}[i%2])
	})
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 || !strings.Contains(errs, "data.label_column auto: kind") {
		t.Fatalf("train: exit %d, want kind as the class: %s", code, errs)
	}
	// A blank class in the training file, the column named by hand, is a
	// row with a missing value: left out (it panicked counting classes).
	blank := filepath.Join(dir, "blank.csv")
	text, _ := os.ReadFile(data)
	os.WriteFile(blank, append(text, "0.1,0.2,\n"...), 0o644)
	if code, _, errs := scorenet("train", "-data", blank, "-out", filepath.Join(dir, "rb"), "-set", "data.label_column=kind", "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 || !strings.Contains(errs, "1 row with a missing value left out") {
		t.Errorf("train with a blank class: exit %d, want the row left out: %s", code, errs)
	}
	// score has no score of a point without its class: its row is left
	// empty, said (it read "line 2, column 3: "" is not a number", then
	// refused the file); a file of such points only is refused.
	full := filepath.Join(dir, "full.csv")
	os.WriteFile(full, []byte("a,b,kind\n0.5,0.2,\n0.4,0.1,x\n"), 0o644)
	if code, _, errs := scorenet("score", "-run", run, "-in", full, "-out", filepath.Join(dir, "sc.csv")); code != 0 || !strings.Contains(errs, "1 point of "+full+" with a missing value left empty") {
		t.Errorf("score of a blank class: exit %d, %s", code, errs)
	}
	os.WriteFile(full, []byte("a,b,kind\n0.5,0.2,\n"), 0o644)
	if code, _, errs := scorenet("score", "-run", run, "-in", full, "-out", filepath.Join(dir, "sc.csv")); code == 0 || !strings.Contains(errs, "no point is complete, to score: point 1 holds a missing value") {
		t.Errorf("score of blank classes only: exit %d, %s", code, errs)
	}
	holes := filepath.Join(dir, "holes.csv")
	os.WriteFile(holes, []byte("a,b,kind\n0.5,,\n,1,y\n"), 0o644)
	code, out, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filepath.Join(dir, "f.csv"), "-n", "2")
	if code != 0 || !strings.Contains(out+errs, "completed 2 missing entries in 2 of 2 rows") {
		t.Errorf("impute: exit %d: %s%s", code, out, errs)
	}
}

// On a table of five columns train -data chooses a ladder of 3 levels,
// each about 17 times the next; impute's annealed Langevin walks a dense
// one between its ends instead, and its draws of four columns given the
// fifth have about their conditional spread, 0.6 (on the run's own
// ladder they had twice the data's, worse than column means).
func TestImputeOnAFewLevelsLadder(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a table of 5 columns (about 3 s)")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(8, 9))
	var b strings.Builder
	b.WriteString("a,b,c,d,e\n")
	for range 600 {
		x := rng.NormFloat64()
		fmt.Fprintf(&b, "%.4f", x)
		for range 4 {
			fmt.Fprintf(&b, ",%.4f", 0.8*x+0.6*rng.NormFloat64())
		}
		b.WriteString("\n")
	}
	data := filepath.Join(dir, "five.csv")
	os.WriteFile(data, []byte(b.String()), 0o644)
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=4000", "-set", "train.refit=false")
	if code != 0 || !strings.Contains(errs, "train.sigmas auto: 3 levels") {
		t.Fatalf("train: exit %d, want a ladder of 3 levels: %s", code, errs)
	}
	drawsPath := filepath.Join(dir, "draws.csv")
	code, _, errs = scorenet("impute", "-run", run, "-in", writeHoles(t, dir, "a,b,c,d,e\n0,,,,\n"), "-out", filepath.Join(dir, "filled.csv"), "-n", "400", "-draws", drawsPath)
	if code != 0 || !strings.Contains(errs, "impute: annealed Langevin walks") {
		t.Fatalf("impute: exit %d: %s", code, errs)
	}
	draws, err := datasets.Load(drawsPath)
	if err != nil {
		t.Fatal(err)
	}
	for j := 1; j < 5; j++ {
		var sum, sq float64
		for i := range draws.N {
			v := draws.X[i*5+j]
			sum, sq = sum+v, sq+v*v
		}
		mean := sum / float64(draws.N)
		sd := math.Sqrt(sq/float64(draws.N) - mean*mean)
		if math.Abs(mean) > 0.2 || sd < 0.45 || sd > 0.8 {
			t.Errorf("column %d given a = 0: draws' mean %.3f, sd %.3f; want about 0 and 0.6", j+1, mean, sd)
		}
	}
}

// eval -in measures a run against a file's rows: a run refitted on every
// row holds none of its own out, and eval compared its samples with its
// training rows. The file's incomplete rows are left out, said.
func TestEvalAgainstAFile(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "xy.csv"), rand.New(rand.NewPCG(21, 22))
	row := func(int) string { x := rng.NormFloat64(); return fmt.Sprintf("%.4f,%.4f", x, x+0.5*rng.NormFloat64()) }
	writeRows(t, data, "x,y", 300, row)
	test := filepath.Join(dir, "test.csv")
	writeRows(t, test, "x,y", 40, row)
	f, _ := os.OpenFile(test, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("0.5,NA\n")
	f.Close()
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=100", "-set", "model.hidden=[16]", "-set", "train.refit=false", "-set", "data.holdout=0", "-threads", "1"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	code, out, errs := scorenet("eval", "-run", run, "-in", test, "-n", "200", "-likelihood", "20")
	if code != 0 || !strings.Contains(errs, "eval: measured against the 40 rows of "+test+" instead of the run's held-out split (1 left out") ||
		!strings.Contains(out, `"compared_with": "the rows of `+test+`, 40 points`) || !strings.Contains(out, `"points": 40`) {
		t.Errorf("eval -in: exit %d\n%s\n%s", code, errs, out)
	}
	if code, _, errs := scorenet("eval", "-run", run, "-in", filepath.Join(dir, "nothing.csv")); code == 0 || !strings.Contains(errs, "nothing.csv") {
		t.Errorf("eval -in of no file: exit %d: %s", code, errs)
	}
	// The training file itself: against it, copies of the training rows
	// would read as good.
	if code, _, errs := scorenet("eval", "-run", run, "-in", data, "-samples=false"); code == 0 || !strings.Contains(errs, "every row of "+data+" is one of the run's training rows") {
		t.Errorf("eval -in of the training file: exit %d: %s", code, errs)
	}
	// Its data file gone, the held-out loss and the likelihood still
	// measure the given rows.
	os.Rename(data, data+".gone")
	if code, out, errs := scorenet("eval", "-run", run, "-in", test, "-samples=false", "-likelihood", "10"); code != 0 || !strings.Contains(out, `"points": 40`) || !strings.Contains(out, `"of": "the first 10 rows of `+test) {
		t.Errorf("eval -in without the training file: exit %d\n%s\n%s", code, errs, out)
	}
}
