package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A table with a long-tailed column (an amount, lognormal, 0 in a fifth of
// the rows) and a symmetric one: data.quantile auto maps the skewed column
// alone, says so, writes the key into config.yaml and keeps it on resume;
// samples and imputations stay inside the column's range; the likelihood
// refuses a point outside it, and eval leaves out the held-out rows on the
// point mass; data.quantile none standardises as before.
func TestQuantileMapOfASkewedColumn(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "amounts.csv")
	writeAmounts(t, data, 300, func(i int) float64 {
		if i%5 == 0 {
			return 0
		}
		u := (float64(i) + 0.5) / 300
		return math.Exp(1.5 * math.Sqrt2 * math.Erfinv(2*u-1))
	})
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=200", "-set", "model.hidden=[32]")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	for _, want := range []string{"data.quantile auto", "1 column(s) of skewness beyond ±0.5 mapped through their training quantiles", ": amount (skewness"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the start-up lines lack %q:\n%s", want, errs)
		}
	}
	config, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	if !strings.Contains(string(config), "quantile: auto") {
		t.Errorf("config.yaml lacks quantile: auto:\n%s", config)
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=220"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	samples, draws := sampledAndImputed(t, dir, run)
	lo, hi := 0.0, math.Exp(1.5*math.Sqrt2*math.Erfinv(1-1/300.0))
	for i := range samples.N {
		if a := samples.X[2*i]; !(a >= lo*(1-1e-5) && a <= hi*(1+1e-5)) {
			t.Fatalf("sample %d's amount %v is outside the column's range [%v, %v]", i, a, lo, hi)
		}
	}
	for i := range draws.N {
		if a := draws.X[i*draws.D]; !(a >= lo*(1-1e-5) && a <= hi*(1+1e-5)) {
			t.Fatalf("draw %d's amount %v is outside the column's range", i, a)
		}
	}
	typo := filepath.Join(dir, "typo.csv")
	os.WriteFile(typo, []byte("amount,x\n1e6,\n"), 0o644)
	if code, _, errs := scorenet("impute", "-run", run, "-in", typo, "-out", filepath.Join(dir, "typo-filled.csv")); code == 0 || !strings.Contains(errs, "1e+06 is far outside 0 to") {
		t.Errorf("impute given a value beyond a mapped column's range: exit %d: %s", code, errs)
	}
	noDensityLeftEmpty(t, dir, run)
	code, out, errs := scorenet("eval", "-run", run, "-samples=false")
	if code != 0 || !strings.Contains(out+errs, "held-out points hold a value that a column mapped through its quantiles repeats, a point mass: their log p counts it by its probability") || strings.Contains(out+errs, "left out") {
		t.Errorf("eval: exit %d: %s%s", code, out, errs)
	}
	none := filepath.Join(dir, "none")
	if code, _, errs := scorenet("train", "-data", data, "-out", none, "-set", "train.steps=10", "-set", "model.hidden=[8]", "-set", "data.quantile=none"); code != 0 || strings.Contains(errs, "quantiles") {
		t.Errorf("data.quantile none: exit %d, yet a column was mapped: %s", code, errs)
	}
}

// noDensityLeftEmpty checks the likelihood and the score of points where a
// run of amounts (a quantile-mapped column 1 with a point mass at 0) has
// no density, beyond the column's range (1000), or no slope, on its point
// mass (0). The likelihood counts the point mass by its probability and
// leaves the point beyond the range out; the score leaves both cells
// empty. Each says which was the first; a .npy, which has no empty cell,
// is refused before any work, and so is a file of such points only.
func noDensityLeftEmpty(t *testing.T, dir, run string) {
	t.Helper()
	outside := filepath.Join(dir, "outside.csv")
	os.WriteFile(outside, []byte("amount,x\n1,0\n1000,0\n0,0.5\nNA,0.2\n"), 0o644)
	code, out, errs := scorenet("likelihood", "-run", run, "-in", outside)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || lines[1] != "," || lines[3] != "," || strings.HasPrefix(lines[0], ",") || strings.HasPrefix(lines[2], ",") ||
		!strings.Contains(errs, "1 point of "+outside+" without a density left out, their rows empty; the first, point 2, column amount: 1000 is outside") ||
		!strings.Contains(errs, "1 point of "+outside+" with a missing value left out, their rows empty; the first, point 4") ||
		!strings.Contains(errs, "1 point of "+outside+" on a value that a column mapped through its quantiles (data.quantile) repeats, a point mass (the first, point 3, column amount: 0)") ||
		!strings.Contains(errs, "mean log p over the 2 of 4 points with a density") {
		t.Errorf("likelihood beyond the range, on the point mass and of a missing value: exit %d:\n%s%s", code, out, errs)
	}
	written := filepath.Join(dir, "lik.csv")
	if code, _, errs := scorenet("likelihood", "-run", run, "-in", outside, "-out", written); code != 0 {
		t.Errorf("likelihood -out .csv: exit %d: %s", code, errs)
	} else if b, _ := os.ReadFile(written); !strings.HasPrefix(string(b), "log_p,bits_per_dim\n") || strings.Split(string(b), "\n")[2] != "," {
		t.Errorf("likelihood's file holds %q, want its header and the 2nd row empty", b)
	}
	scores := filepath.Join(dir, "scores.csv")
	code, _, errs = scorenet("score", "-run", run, "-in", outside, "-out", scores)
	b, _ := os.ReadFile(scores)
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	if code != 0 || len(rows) != 5 || rows[0] != "amount,x" || strings.HasPrefix(rows[1], ",") || !strings.HasPrefix(rows[2], ",") || !strings.HasPrefix(rows[3], ",") ||
		strings.HasSuffix(rows[2], ",") || rows[4] != "," || !strings.Contains(errs, "2 values of "+outside+" without a score left empty in "+scores+"; the first, point 2, column amount: 1000 is outside") ||
		!strings.Contains(errs, "1 point of "+outside+" with a missing value left empty in "+scores+"; the first, point 4") {
		t.Errorf("score beyond the range and on the point mass: exit %d: %s\n%s", code, errs, b)
	}
	for _, c := range []struct{ name, cmd, out string }{{"likelihood", "likelihood", "lik.npy"}, {"score", "score", "scores.npy"}} {
		npy := filepath.Join(dir, c.out)
		code, _, errs := scorenet(c.cmd, "-run", run, "-in", outside, "-out", npy)
		if _, err := os.Stat(npy); code == 0 || err == nil || !strings.Contains(errs, "point 2, column amount: 1000 is outside") || !strings.Contains(errs, "a .npy file has no empty cell") {
			t.Errorf("%s -out .npy of points without a density: exit %d (file %v): %s", c.name, code, err, errs)
		}
	}
	none := filepath.Join(dir, "none.csv")
	os.WriteFile(none, []byte("amount,x\n-1,0\n"), 0o644)
	if code, _, errs := scorenet("likelihood", "-run", run, "-in", none); code == 0 || !strings.Contains(errs, "no point has a density: point 1, column amount: -1 is outside") {
		t.Errorf("likelihood of a point mass only: exit %d: %s", code, errs)
	}
}

// A table run trained before data.quantile existed (its config.yaml and
// its checkpoints' embedded config without the key) samples, resumes by
// -run and by -config as it was trained, unmapped.
func TestTableRunFromBeforeTheQuantileMap(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "t.csv")
	writeAmounts(t, data, 200, func(i int) float64 { return math.Exp(2 * math.Sin(float64(i*i))) })
	run := filepath.Join(dir, "old")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=20", "-set", "model.hidden=[8]", "-set", "data.quantile=none"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	old := func(text string) string { return strings.Replace(text, "    quantile: none\n", "", 1) }
	config := filepath.Join(run, "config.yaml")
	text, _ := os.ReadFile(config)
	if old(string(text)) == string(text) {
		t.Fatalf("config.yaml does not say quantile: none:\n%s", text)
	}
	rewriteRunConfig(t, run, old)
	if code, _, errs := scorenet("sample", "-run", run, "-n", "20", "-out", filepath.Join(dir, "s.csv")); code != 0 {
		t.Errorf("sample: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=30"); code != 0 || strings.Contains(errs, "quantiles") {
		t.Errorf("resume by -run: exit %d: %s", code, errs)
	}
	// The user's own config, which never named the key.
	mine := filepath.Join(dir, "mine.yaml")
	os.WriteFile(mine, []byte("name: t\ndata: {dataset: file, path: "+data+"}\nmodel: {hidden: [8]}\ntrain: {steps: 40}\noutput: {dir: "+run+"}\n"), 0o644)
	code, _, errs := scorenet("train", "-config", mine, "-resume")
	if code != 0 || !strings.Contains(errs, "resuming: keeping data.quantile none, as the run was trained") {
		t.Errorf("resume by -config: exit %d: %s", code, errs)
	}
}

// writeAmounts writes a table of n rows (amount, x) to path: amount(i),
// and x a symmetric column, cos(7i).
func writeAmounts(t *testing.T, path string, n int, amount func(i int) float64) {
	t.Helper()
	var rows strings.Builder
	rows.WriteString("amount,x\n")
	for i := range n {
		fmt.Fprintf(&rows, "%.6g,%.6g\n", amount(i), math.Cos(float64(7*i)))
	}
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A model of amounts a fifth of which are 0 gives the value 0 about its
// share as its probability: the likelihood of a point mass counts the
// model's mass on its stretch of scores.
func TestPointMassLikelihoodIsItsShare(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "amounts.csv")
	var b strings.Builder
	b.WriteString("amount\n")
	for i := range 600 {
		v := 0.0
		if i%5 != 0 {
			u := (float64(i) + 0.5) / 600
			v = math.Round(1000*math.Exp(math.Sqrt2*math.Erfinv(2*u-1))) / 1000
		}
		fmt.Fprintf(&b, "%v\n", v)
	}
	os.WriteFile(data, []byte(b.String()), 0o644)
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=3000", "-set", "model.hidden=[64,64]", "-set", "train.refit=false"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	points := filepath.Join(dir, "zero.csv")
	os.WriteFile(points, []byte("amount\n0\n"), 0o644)
	code, out, errs := scorenet("likelihood", "-run", run, "-in", points)
	logP, err := strconv.ParseFloat(strings.Split(out, ",")[0], 64)
	// 3000 steps of a 64-64 network: within a quarter of a nat of the
	// share, where the midpoint of a normal over the stretch would read
	// 0.4 below it.
	if code != 0 || err != nil || math.Abs(logP-math.Log(0.2)) > 0.25 {
		t.Errorf("log p of the point mass: exit %d, %q (%v), want about log 0.2 = %.3f: %s", code, out, err, math.Log(0.2), errs)
	}
	t.Logf("log p(0) = %.3f, log 0.2 = %.3f", logP, math.Log(0.2))
}
