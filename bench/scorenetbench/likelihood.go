package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"scorenet/datasets"
	"scorenet/internal/gemm"
	"scorenet/internal/mlp"
	"scorenet/internal/seeds"
	"scorenet/likelihood"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/sampler"
	"scorenet/score"
)

// LikResult is one likelihood measurement; bench/torch_likelihood.py
// writes the same fields.
type LikResult struct {
	Impl     string    `json:"impl"`
	Case     string    `json:"case"` // always "likelihood"
	D        int       `json:"d"`
	Trace    string    `json:"trace"`
	Probes   int       `json:"probes,omitempty"`
	Points   int       `json:"points"`
	Seconds  float64   `json:"seconds"` // median of Runs
	Runs     []float64 `json:"runs"`
	NFEMean  float64   `json:"nfe_mean"`
	NFEMax   int       `json:"nfe_max"`
	LogPMean float64   `json:"logp_mean"`
	// PyTorch's side: its difference from scorenet's log p on the same
	// points (mean of the per-point differences, and the largest).
	LogPMeanDiff   *float64 `json:"logp_mean_diff,omitempty"`
	LogPMaxAbsDiff *float64 `json:"logp_max_abs_diff,omitempty"`
	Threads        int      `json:"threads"`
	Split          string   `json:"split,omitempty"` // workers (one field per thread) or threads (one field on every thread)
	Batch          int      `json:"batch,omitempty"`
	BLAS           string   `json:"blas,omitempty"`
}

// likCase is the fixed problem of one dimension: the network, the points
// and the noise range.
type likCase struct {
	D          int
	Hidden     []int
	SigmaMin   float64
	SigmaMax   float64
	Rtol, Atol float64
}

func likCases() map[int]likCase {
	return map[int]likCase{
		2:  {D: 2, Hidden: []int{128, 128}, SigmaMin: 0.01, SigmaMax: 10, Rtol: 1e-5, Atol: 1e-5},
		50: {D: 50, Hidden: []int{128, 128}, SigmaMin: 0.01, SigmaMax: 20, Rtol: 1e-5, Atol: 1e-5},
	}
}

const (
	likPointSeed = 5  // the points: N(0, I) from PCG(5, D)
	likInitSeed  = 1  // the network: nn.New's init from PCG(1, D)
	likProbeSeed = 11 // likelihood.Settings.Seed for Hutchinson
)

// manifest tells bench/torch_likelihood.py what to compute: the files of
// the network and the points, and the cases scorenet ran.
type manifest struct {
	D          int            `json:"d"`
	Hidden     []int          `json:"hidden"`
	SigmaMin   float64        `json:"sigma_min"`
	SigmaMax   float64        `json:"sigma_max"`
	Rtol       float64        `json:"rtol"`
	Atol       float64        `json:"atol"`
	Weights    []string       `json:"weights"` // layer<i>.weight (in x out), layer<i>.bias (1 x out), in order
	Points     string         `json:"points"`  // all the points, N x D
	Probes     string         `json:"probes"`  // point i's Rademacher probe (1 per point), N x D
	Cases      []manifestCase `json:"cases"`
	Activation string         `json:"activation"`
}

type manifestCase struct {
	Trace  string `json:"trace"`
	Points int    `json:"points"` // the first Points of the points file
	LogP   string `json:"logp"`   // scorenet's log p, Points x 1
}

// limits is "D/trace=n,..." (e.g. "50/exact=2000"): fewer points for the
// slow cases.
func parseLimits(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		var n int
		k, v, ok := strings.Cut(f, "=")
		if _, err := fmt.Sscan(v, &n); !ok || err != nil || n < 1 {
			return nil, fmt.Errorf("-limit %q: want D/trace=points", f)
		}
		out[k] = n
	}
	return out, nil
}

// likelihoodBench times scorenet's likelihood (exact and Hutchinson) on
// the fixed cases and writes the network, points and results for PyTorch.
func likelihoodBench(args []string) error {
	fs := flag.NewFlagSet("likelihood", flag.ExitOnError)
	impl := fs.String("impl", "scorenet", "name of this build in the report")
	dir := fs.String("dir", "bench/out/likelihood", "where to write the network, the points and scorenet's log p for bench/torch_likelihood.py")
	dims := fs.String("d", "2,50", "dimensions (2 and 50 are defined)")
	traces := fs.String("traces", "exact,hutchinson", "trace methods")
	nPoints := fs.Int("points", 10000, "points per case")
	limit := fs.String("limit", "", "fewer points for some cases, e.g. 50/exact=2000")
	budget := fs.Duration("budget", 10*time.Second, "repeat a case while less than this has been spent on it (at least once)")
	repeats := fs.Int("repeats", 3, "at most this many runs of a case; the median is reported")
	split := fs.String("split", "auto", "with several threads: workers (one field per thread, one thread each), threads (one field on every thread), auto (workers)")
	batch := fs.Int("batch", 0, "points per network pass (0: likelihood.BatchFor within 8 MB, the fastest here: 35 points of 50 tangents, 256 otherwise)")
	write := fs.Bool("write", true, "write the files for bench/torch_likelihood.py (the first impl to run should)")
	fs.Parse(args)
	limits, err := parseLimits(*limit)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	threads := gemm.Threads()
	mode := *split
	if mode == "auto" {
		mode = "workers" // 1.5-1.9x faster than threads on 2 cores; see docs/BENCHMARKS.md
	}
	if threads == 1 {
		mode = "workers"
	}
	for _, d := range parseDims(*dims) {
		c, ok := likCases()[d]
		if !ok {
			return fmt.Errorf("no likelihood case at D = %d (have 2 and 50)", d)
		}
		net, x, probes, err := c.build(*nPoints)
		if err != nil {
			return err
		}
		man := manifest{D: d, Hidden: c.Hidden, SigmaMin: c.SigmaMin, SigmaMax: c.SigmaMax, Rtol: c.Rtol, Atol: c.Atol, Activation: "swish"}
		prefix := filepath.Join(*dir, fmt.Sprintf("d%d", d))
		if *write {
			if man.Weights, err = writeNet(prefix, net); err != nil {
				return err
			}
			man.Points, man.Probes = prefix+"-points.npy", prefix+"-probes.npy"
			if err := datasets.WriteFile(man.Points, x); err != nil {
				return err
			}
			if err := datasets.WriteFile(man.Probes, probes); err != nil {
				return err
			}
		}
		for _, trace := range strings.Split(*traces, ",") {
			n := *nPoints
			if l, ok := limits[fmt.Sprintf("%d/%s", d, trace)]; ok {
				n = min(n, l)
			}
			sub := points.Points{N: n, D: d, X: x.X[:n*d]}
			r, logp, err := c.time(net, sub, trace, threads, mode, *batch, *budget, *repeats)
			if err != nil {
				return fmt.Errorf("likelihood at D = %d, %s: %w", d, trace, err)
			}
			r.Impl, r.BLAS = *impl, nn.BLAS
			if err := enc.Encode(r); err != nil {
				return err
			}
			if *write {
				mc := manifestCase{Trace: trace, Points: n, LogP: fmt.Sprintf("%s-%s-logp.npy", prefix, trace)}
				if err := datasets.WriteFile(mc.LogP, points.Points{N: n, D: 1, X: logp}); err != nil {
					return err
				}
				man.Cases = append(man.Cases, mc)
			}
		}
		if *write {
			b, err := json.MarshalIndent(man, "", "  ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(prefix+".json", append(b, '\n'), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// build makes the case's network (seeded), its n points N(0, I) and one
// Rademacher probe per point, the one likelihood.Compute draws for it.
func (c likCase) build(n int) (*mlp.Net, points.Points, points.Points, error) {
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: c.D, Hidden: c.Hidden, Activation: "swish", NoiseConditional: true},
		rand.New(rand.NewPCG(likInitSeed, uint64(c.D))))
	if err != nil {
		return nil, points.Points{}, points.Points{}, err
	}
	net, err := m.(*nn.MLP).Net()
	if err != nil {
		return nil, points.Points{}, points.Points{}, err
	}
	x := points.New(n, c.D)
	rng := rand.New(rand.NewPCG(likPointSeed, uint64(c.D)))
	for i := range x.X {
		x.X[i] = rng.NormFloat64()
	}
	// As likelihood's flow.probesOf draws them (one probe: D values).
	probes := points.New(n, c.D)
	for i := range n {
		rng := seeds.NewIndexed(likProbeSeed, seeds.Probe, uint64(i))
		for j := range c.D {
			probes.X[i*c.D+j] = float64(1 - 2*int(rng.Uint64()&1))
		}
	}
	return net, x, probes, nil
}

// writeNet writes each parameter array as an .npy of its shape.
func writeNet(prefix string, net *mlp.Net) ([]string, error) {
	var files []string
	for i, shape := range net.Layout.Params() {
		f := fmt.Sprintf("%s-%s.npy", prefix, shape.Name)
		if err := datasets.WriteFile(f, points.Points{N: shape.Rows, D: shape.Cols, X: net.Arrays()[i]}); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// time runs the likelihood of x once, and again while the budget lasts (at
// most repeats runs), and reports the median time.
func (c likCase) time(net *mlp.Net, x points.Points, trace string, threads int, mode string, batch int, budget time.Duration, repeats int) (LikResult, []float64, error) {
	probes := 0
	if trace == likelihood.Hutchinson {
		probes = 1
	}
	if batch == 0 {
		batch = likelihood.BatchFor(net, trace, probes, 8<<20)
	}
	nfields, each := 1, threads
	if mode == "workers" {
		nfields, each = threads, 1
	}
	var fields []score.Field
	for range nfields {
		f, err := likelihood.NewNetwork(net, trace, probes, batch, each)
		if err != nil {
			return LikResult{}, nil, err
		}
		fields = append(fields, f)
	}
	s := likelihood.Settings{VE: sampler.VE{Min: c.SigmaMin, Max: c.SigmaMax}, Rtol: c.Rtol, Atol: c.Atol,
		Trace: trace, Probes: probes, Seed: likProbeSeed}
	var runs []float64
	var res likelihood.Result
	spent := time.Duration(0)
	for len(runs) < max(1, repeats) && (len(runs) == 0 || spent < budget) {
		start := time.Now()
		r, err := likelihood.Compute(fields, x, s)
		if err != nil {
			return LikResult{}, nil, err
		}
		el := time.Since(start)
		spent += el
		runs = append(runs, el.Seconds())
		res = r
	}
	mean, most := res.MeanEvaluations()
	sum := 0.0
	for _, v := range res.LogP {
		sum += v
	}
	return LikResult{Case: "likelihood", D: c.D, Trace: trace, Probes: probes, Points: x.N, Seconds: median(runs), Runs: runs,
		NFEMean: mean, NFEMax: most, LogPMean: sum / float64(x.N), Threads: runtime.GOMAXPROCS(0), Split: mode, Batch: batch}, res.LogP, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// likReport prints the likelihood measurements side by side.
func likReport(rows []LikResult) {
	if len(rows) == 0 {
		return
	}
	var impls []string
	byKey := map[string]map[string]LikResult{}
	var keys []string
	for _, r := range rows {
		k := fmt.Sprintf("%03d/%s/%d", r.D, r.Trace, r.Points)
		if byKey[k] == nil {
			byKey[k] = map[string]LikResult{}
			keys = append(keys, k)
		}
		if !contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
		byKey[k][r.Impl] = r
	}
	sort.Strings(keys)
	const ref = "pytorch"
	fmt.Println("Log-likelihood by the probability-flow ODE (Dormand-Prince 5(4), rtol = atol = 1e-5), seconds for all the points (median of the runs), NFE mean / max per point:")
	fmt.Println()
	tableHeader([]string{"D", "trace", "points"}, impls, ref, []string{"mean log p (scorenet)", "PyTorch - scorenet, mean (max per point)"})
	for _, k := range keys {
		row := byKey[k]
		var any LikResult
		for _, r := range row {
			any = r
		}
		fmt.Printf("| %d | %s | %d |", any.D, any.Trace, any.Points)
		for _, i := range impls {
			if r, ok := row[i]; ok {
				fmt.Printf(" %.2f s (NFE %.1f / %d) |", r.Seconds, r.NFEMean, r.NFEMax)
			} else {
				fmt.Printf(" - |")
			}
		}
		for _, i := range impls {
			if i == ref {
				continue
			}
			r, ok1 := row[i]
			p, ok2 := row[ref]
			if ok1 && ok2 {
				fmt.Printf(" %.2fx time |", r.Seconds/p.Seconds)
			} else {
				fmt.Printf(" - |")
			}
		}
		logp, diff := "-", "-"
		for _, i := range impls {
			r := row[i]
			if strings.HasPrefix(i, "scorenet") && logp == "-" {
				logp = fmt.Sprintf("%.6f", r.LogPMean)
			}
			if r.LogPMeanDiff != nil && diff == "-" {
				rel := math.Abs(*r.LogPMeanDiff / r.LogPMean)
				diff = fmt.Sprintf("%.2e (%.2e; rel. %.1e)", *r.LogPMeanDiff, *r.LogPMaxAbsDiff, rel)
			}
		}
		fmt.Printf(" %s | %s |\n", logp, diff)
	}
}
