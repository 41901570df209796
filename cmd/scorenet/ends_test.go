package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// A column that is 0 in a third of the rows (an amount often nothing): the
// mass at its minimum is found and said, and no sample, drawn or imputed,
// falls below it.
func TestPointMassAtAColumnsEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "amounts.csv")
	writeAmounts(t, data, 300, func(i int) float64 {
		if i%3 == 0 {
			return 0
		}
		return 0.2 + math.Abs(math.Sin(float64(i)))
	})
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=300", "-set", "model.hidden=[32]")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "1 point mass(es) at a column's end, where samples beyond are put: column amount's minimum 0 (33% of the rows)") {
		t.Errorf("the start-up lines do not say the mass:\n%s", errs)
	}
	none := filepath.Join(dir, "none")
	if code, _, errs := scorenet("train", "-data", data, "-out", none, "-set", "train.steps=10", "-set", "model.hidden=[8]", "-set", "data.discrete=none"); code != 0 || strings.Contains(errs, "point mass") {
		t.Errorf("data.discrete: none: exit %d, yet a point mass was found: %s", code, errs)
	}
	samples, draws := sampledAndImputed(t, dir, run)
	atZero := 0
	for i := range samples.N {
		switch a := samples.X[2*i]; {
		case a < 0:
			t.Fatalf("sample %d's amount is %v, below the column's minimum 0", i, a)
		case a == 0:
			atZero++
		}
	}
	if atZero == 0 {
		t.Errorf("no sample at the mass")
	}
	for i := range draws.N {
		if draws.X[i*draws.D] < 0 {
			t.Fatalf("draw %d's amount is %v, below the column's minimum 0", i, draws.X[i*draws.D])
		}
	}
}

// sampledAndImputed draws 400 samples from the run of a two-column table
// (amount, x), and 50 completions each of two rows whose amount is
// missing: what tests of a column's range read.
func sampledAndImputed(t *testing.T, dir, run string) (samples, draws points.Points) {
	t.Helper()
	out := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "400", "-out", out); code != 0 {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	samples, err := datasets.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	holes := filepath.Join(dir, "holes.csv")
	os.WriteFile(holes, []byte("amount,x\n,0.5\n,-0.9\n"), 0o644)
	path := filepath.Join(dir, "draws.csv")
	if code, _, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filepath.Join(dir, "filled.csv"), "-draws", path); code != 0 {
		t.Fatalf("impute: exit %d: %s", code, errs)
	}
	if draws, err = datasets.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	return samples, draws
}

// A column of whole numbers of many values (an amount in whole units, 60
// of them over 300 rows: more than a discrete column's one value per 10
// rows) is found and said, and its samples and imputed draws come back
// whole, also from a resumed run; data.discrete: none leaves it as drawn.
func TestWholeNumberColumnsComeBackWhole(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "amounts.csv")
	writeAmounts(t, data, 300, func(i int) float64 { return float64(i%60) + float64(i%7) })
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=150", "-set", "model.hidden=[32]", "-set", "data.quantile=none")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "1 column(s) of whole numbers only, whose samples are rounded to whole numbers: amount") {
		t.Errorf("the start-up lines do not say the whole column:\n%s", errs)
	}
	// Resumed, the run finds the column again and its checkpoint keeps it.
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=300"); code != 0 || !strings.Contains(errs, "whole numbers only") {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	samples, draws := sampledAndImputed(t, dir, run)
	for _, p := range []points.Points{samples, draws} {
		for i := range p.N {
			if a := p.X[i*p.D]; a != math.Round(a) {
				t.Fatalf("row %d's amount is %v, not a whole number", i, a)
			}
		}
	}
	none := filepath.Join(dir, "none")
	if code, _, errs := scorenet("train", "-data", data, "-out", none, "-set", "train.steps=40", "-set", "model.hidden=[8]", "-set", "data.discrete=none", "-set", "data.quantile=none"); code != 0 || strings.Contains(errs, "whole numbers") {
		t.Fatalf("data.discrete: none: exit %d, yet a whole column was found: %s", code, errs)
	}
	out := filepath.Join(dir, "n.csv")
	if code, _, errs := scorenet("sample", "-run", none, "-n", "50", "-out", out); code != 0 {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	p, err := datasets.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fractional := 0
	for i := range p.N {
		if a := p.X[i*p.D]; a != math.Round(a) {
			fractional++
		}
	}
	if fractional == 0 {
		t.Errorf("data.discrete: none: every amount came out whole, as if rounded")
	}
}
