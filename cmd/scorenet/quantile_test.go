package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A table with a long-tailed column (an amount, lognormal) and a symmetric
// one: data.quantile auto maps the skewed column alone, says so, writes the
// key into config.yaml and keeps it on resume; samples and imputations
// stay inside the column's range; the likelihood refuses a point outside
// it; data.quantile none standardises as before.
func TestQuantileMapOfASkewedColumn(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "amounts.csv")
	var rows strings.Builder
	rows.WriteString("amount,x\n")
	for i := range 300 {
		u := (float64(i) + 0.5) / 300
		z := math.Sqrt2 * math.Erfinv(2*u-1)
		fmt.Fprintf(&rows, "%.6g,%.6g\n", math.Exp(1.5*z), math.Cos(float64(7*i)))
	}
	os.WriteFile(data, []byte(rows.String()), 0o644)
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=200", "-set", "model.hidden=[32]")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	for _, want := range []string{"data.quantile auto", "1 column(s) of skewness beyond ±0.5 mapped through their training quantiles", ": 1 (skewness"} {
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
	lo, hi := math.Exp(1.5*math.Sqrt2*math.Erfinv(1/300.0-1)), math.Exp(1.5*math.Sqrt2*math.Erfinv(1-1/300.0))
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
	outside := filepath.Join(dir, "outside.csv")
	os.WriteFile(outside, []byte("amount,x\n1,0\n1000,0\n"), 0o644)
	code, _, errs = scorenet("likelihood", "-run", run, "-in", outside)
	if code == 0 || !strings.Contains(errs, "point 2, column 1: 1000 is outside") {
		t.Errorf("likelihood beyond the range: exit %d: %s", code, errs)
	}
	none := filepath.Join(dir, "none")
	if code, _, errs := scorenet("train", "-data", data, "-out", none, "-set", "train.steps=10", "-set", "model.hidden=[8]", "-set", "data.quantile=none"); code != 0 || strings.Contains(errs, "quantiles") {
		t.Errorf("data.quantile none: exit %d, yet a column was mapped: %s", code, errs)
	}
}
