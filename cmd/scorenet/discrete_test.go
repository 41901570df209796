package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A column of 50 levels over 1000 rows is discrete under
// data.discrete_values (1024, written into config.yaml), and a run from
// before the key, whose config.yaml lacks it, still samples, evaluates
// and resumes, its columns found as it was trained (under 32 values).
func TestDiscreteValuesKeepOldRuns(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "levels.csv")
	r := rand.New(rand.NewPCG(8, 8))
	var b strings.Builder
	b.WriteString("x,flag,level\n")
	for range 1000 {
		fmt.Fprintf(&b, "%.5f,%d,%d\n", r.NormFloat64(), r.IntN(2), r.IntN(50))
	}
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "new")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=5", "-set", "model.hidden=[8]")
	if code != 0 || !strings.Contains(errs, "level (50 values)") {
		t.Fatalf("train: exit %d; want column 3's 50 levels found: %s", code, errs)
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "discrete_values: 1024") {
		t.Errorf("config.yaml lacks discrete_values:\n%s", c)
	}
	old := filepath.Join(dir, "old")
	if code, _, errs := scorenet("train", "-data", data, "-out", old, "-set", "train.steps=5", "-set", "model.hidden=[8]", "-set", "data.discrete_values=32"); code != 0 || strings.Contains(errs, "50 values") {
		t.Fatalf("train under the old cap: exit %d: %s", code, errs)
	}
	config := filepath.Join(old, "config.yaml")
	text, _ := os.ReadFile(config)
	lines := strings.Split(string(text), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.Contains(l, "discrete_values") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(config, []byte(strings.Join(kept, "\n")), 0o644); err != nil { // as a run from before the key
		t.Fatal(err)
	}
	if code, _, errs := scorenet("sample", "-run", old, "-out", filepath.Join(dir, "s.csv"), "-n", "20"); code != 0 || !strings.Contains(errs, "verdict on 20 samples") {
		t.Errorf("sample of the old run: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("train", "-run", old, "-set", "train.steps=8"); code != 0 {
		t.Errorf("resume of the old run: exit %d: %s", code, errs)
	}
}

// A column of sizes to the hundredth, and one of uniform shares: train
// says the places and the walls, and the samples keep to both, sizes
// written as the data write them, shares inside [0, 1].
func TestPlacesAndWallsReachTheSamples(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "sizes.csv")
	r := rand.New(rand.NewPCG(9, 9))
	var b strings.Builder
	b.WriteString("size,share\n")
	for range 400 {
		fmt.Fprintf(&b, "%.2f,%.6f\n", 200+30*r.NormFloat64(), r.Float64())
	}
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=5", "-set", "model.hidden=[8]", "-set", "train.refit=false")
	if code != 0 || !strings.Contains(errs, "written to a few decimal places") || !strings.Contains(errs, "size to 2 place(s)") || !strings.Contains(errs, "column share's minimum") || !strings.Contains(errs, "column share's maximum") {
		t.Fatalf("train: exit %d; want column 1's places and column 2's walls said: %s", code, errs)
	}
	keptToBoth := func(when string) {
		t.Helper()
		out := filepath.Join(dir, when+".csv")
		if code, _, errs := scorenet("sample", "-run", run, "-out", out, "-n", "200", "-set", "sample.steps=4"); code != 0 {
			t.Fatalf("sample %s: exit %d: %s", when, code, errs)
		}
		lines := strings.Split(strings.TrimSpace(string(mustRead(t, out))), "\n")[1:]
		for _, line := range lines {
			size, share, _ := strings.Cut(line, ",")
			if _, frac, ok := strings.Cut(size, "."); ok && len(frac) > 2 {
				t.Fatalf("%s: size %s has more than the data's 2 places", when, size)
			}
			if v, err := strconv.ParseFloat(share, 64); err != nil || v < 0 || v > 1 {
				t.Fatalf("%s: share %s outside the data's [0, 1] (%v)", when, share, err)
			}
		}
	}
	keptToBoth("trained")
	// A resumed run's checkpoints keep the places and walls it started with.
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=8"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	keptToBoth("resumed")
}
