package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"scorenet/datasets"
)

// A short vesde_dsm run, then likelihood (analytic and network, exact and
// Hutchinson), the pc and ode samplers, and eval's likelihood block, all
// from the command line.
func TestLikelihoodAndSDESamplersFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-config", "../../configs/mixture_vesde.yaml", "-set", "output.dir="+runDir,
		"-set", "data.n=2000", "-set", "train.steps=2000", "-set", "train.checkpoint_every=2000", "-set", "model.hidden=[32, 32]")
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	in := filepath.Join(dir, "points.csv")
	os.WriteFile(in, []byte("5,5\n-5,-5\n0,0\n4.5,6\n"), 0o644)

	// The true score: the flow gives the true log-density to the solver's
	// accuracy, and says both.
	out := filepath.Join(dir, "logp.csv")
	code, stdout, errs := scorenet("likelihood", "-run", runDir, "-in", in, "-out", out, "-score", "analytic", "-rtol", "1e-7", "-atol", "1e-7")
	if code != 0 {
		t.Fatalf("likelihood -score analytic exited %d: %s", code, errs)
	}
	m := regexp.MustCompile(`mean log p = (-?[0-9.]+) nats .*\ntrue mean log p of these points: (-?[0-9.]+) nats \(data\), (-?[0-9.]+) nats \(data perturbed`).FindStringSubmatch(stdout)
	if m == nil || m[1] != m[3] {
		t.Errorf("analytic mean log p should equal the true one at sigma_min to 6 decimals:\n%s", stdout)
	}
	rows, err := datasets.ReadFile(out)
	if err != nil || rows.N != 4 || rows.D != 2 {
		t.Fatalf("%s: %v, %d x %d, want 4 rows of log p and bits/dim", out, err, rows.N, rows.D)
	}
	for i := range rows.N {
		lp, bpd := rows.X[2*i], rows.X[2*i+1]
		if math.Abs(bpd+lp/(2*math.Ln2)) > 1e-12 {
			t.Errorf("row %d: bits/dim %v for log p %v", i, bpd, lp)
		}
	}
	if !(rows.X[0] > rows.X[2]) || !(rows.X[2] > rows.X[4]) {
		t.Errorf("log p at (5,5) %v, (-5,-5) %v, (0,0) %v: the heavier mode should be likelier, the gap least", rows.X[0], rows.X[2], rows.X[4])
	}

	bad3 := filepath.Join(dir, "bad3.csv")
	os.WriteFile(bad3, []byte("1,2,3\n"), 0o644)
	if code, _, errs := scorenet("likelihood", "-run", runDir, "-in", bad3); code == 0 || !strings.Contains(errs, "has 3 columns, the model's dimension is 2") {
		t.Errorf("3 columns for a 2-D model: exit %d, %q", code, errs)
	}

	// The network, both traces, CSV on stdout with the summary on stderr.
	for _, trace := range []string{"exact", "hutchinson"} {
		code, stdout, errs := scorenet("likelihood", "-run", runDir, "-in", in, "-trace", trace, "-probes", "2")
		if code != 0 {
			t.Fatalf("likelihood -trace %s exited %d: %s", trace, code, errs)
		}
		if n := strings.Count(stdout, "\n"); n != 4 || !strings.Contains(errs, trace+" trace") || !strings.Contains(errs, "score evaluations per point") {
			t.Errorf("-trace %s: %d rows on stdout, summary %q", trace, n, errs)
		}
	}

	for _, sampler := range []string{"pc", "ode"} {
		path := filepath.Join(dir, sampler+".csv")
		code, stdout, errs := scorenet("sample", "-run", runDir, "-sampler", sampler, "-n", "64", "-out", path, "-set", "sample.levels=50")
		if code != 0 {
			t.Fatalf("sample -sampler %s exited %d: %s", sampler, code, errs)
		}
		if sampler == "ode" && !strings.Contains(stdout, "score evaluations per chain") {
			t.Errorf("ode does not say its score evaluations: %q", stdout)
		}
		got, err := datasets.ReadFile(path)
		if err != nil || got.N != 64 {
			t.Fatalf("%s: %v", path, err)
		}
		for _, v := range got.X {
			if math.IsNaN(v) || math.Abs(v) > 30 {
				t.Fatalf("%s sample %v outside the data's range", sampler, v)
			}
		}
	}
	if code, _, errs := scorenet("sample", "-run", runDir, "-sampler", "pc", "-out", filepath.Join(dir, "s.csv"), "-shard", "0/2"); code == 0 || !strings.Contains(errs, "-shard") {
		t.Errorf("pc with -shard: exit %d, %q", code, errs)
	}

	code, stdout, errs = scorenet("eval", "-run", runDir, "-samples=false", "-likelihood", "50")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, errs)
	}
	var rep struct {
		Likelihood *struct {
			Points  int      `json:"points"`
			NLL     float64  `json:"nll_nats"`
			TrueNLL *float64 `json:"true_nll_nats"`
			Trace   string   `json:"trace"`
		} `json:"likelihood"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Likelihood == nil {
		t.Fatalf("eval JSON without a likelihood block (%v): %s", err, stdout)
	}
	if l := rep.Likelihood; l.Points != 50 || l.Trace != "exact" || l.TrueNLL == nil || math.IsNaN(l.NLL) {
		t.Errorf("likelihood block %+v", *l)
	}
}

func TestLikelihoodRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[8]", "-set", "train.steps=5"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("1,2\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-run", runDir}, "-in"},
		{[]string{"-run", runDir, "-in", in}, "noise-conditional"},
		{[]string{"-run", runDir, "-in", in, "-trace", "approx"}, "-trace"},
		{[]string{"-run", runDir, "-in", in, "-rtol", "0"}, "-rtol"},
		{[]string{"-run", runDir, "-in", in, "-probes", "0"}, "-probes"},
	} {
		code, _, errs := scorenet(append([]string{"likelihood"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want one line naming %s", tc.args, code, errs, tc.want)
		}
	}
}

// A point the flow cannot start from is named by its place in the file,
// counted from 1 over all the points, on any number of threads: each
// thread's solve counts its own rows from 0, and the error named the row
// within one thread's share, without the file (a red-team pass).
func TestLikelihoodNamesThePointItCannotSolve(t *testing.T) {
	dir, _, run := smallTableRun(t, 31)
	for _, c := range []struct {
		name    string
		rows    string
		threads string
		want    string
	}{
		{"first, one thread", "1e300,0\n0.5,0\n0.2,0\n", "1", "point 1 of "},
		{"last, one thread", "0.5,0\n0.2,0\n1e300,0\n", "1", "point 3 of "},
		{"last, two threads", "0.5,0\n0.2,0\n1e300,0\n", "2", "point 3 of "},
		{"second of four, two threads", "0.5,0\n1e300,0\n0.2,0\n0.1,0\n", "2", "point 2 of "},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			os.WriteFile(in, []byte(c.rows), 0o644)
			code, _, errs := scorenet("likelihood", "-run", run, "-in", in, "-threads", c.threads)
			if code == 0 || !strings.Contains(errs, c.want+in) {
				t.Errorf("exit %d, stderr %q; want %q", code, errs, c.want+in)
			}
		})
	}
}
