// Command scorenetbench measures scorenet's training steps and Langevin
// sampling on the cases of bench/run.sh, compares them with PyTorch's, and
// runs the dimension-scaling study. bench/run.sh is the way to run it.
//
//	scorenetbench measure -impl NAME              JSON lines on stdout
//	scorenetbench report FILE.jsonl...            a Markdown table
//	scorenetbench scaling -plot FILE.png           time per step vs D
//	scorenetbench likelihood -impl NAME            log p by the probability-flow ODE, JSON lines
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"scorenet/internal/gemm"
	"scorenet/internal/noisescale"
	"scorenet/losses"
	"scorenet/nn"
	"scorenet/plots"
	"scorenet/sampler"
	"scorenet/score"
	"scorenet/train"
)

// Result is one measurement; PyTorch's script writes the same fields.
type Result struct {
	Impl             string  `json:"impl"`
	Case             string  `json:"case"` // exact, sliced, anneal_dsm, langevin-ACTIVATION, dgemm
	D                int     `json:"d"`
	MsPerStep        float64 `json:"ms_per_step,omitempty"`
	ChainStepsPerSec float64 `json:"chain_steps_per_sec,omitempty"`
	MatmulFLOPs      float64 `json:"matmul_flops,omitempty"` // per step
	GFLOPs           float64 `json:"gflops,omitempty"`
	RoundTripNs      float64 `json:"round_trip_ns,omitempty"` // core-round-trip
	BLAS             string  `json:"blas"`
	Threads          int     `json:"threads"`
}

const (
	batch  = 128
	chains = 1280
)

var hidden = []int{128, 128}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scorenetbench measure|report|scaling|likelihood ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "measure":
		err = measure(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	case "scaling":
		err = scaling(os.Args[2:])
	case "likelihood":
		err = likelihoodBench(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scorenetbench:", err)
		os.Exit(1)
	}
}

// timeIt runs step until at least budget has passed and at least 5 runs
// were made, after 3 warm-up runs, and returns the mean time of a run.
func timeIt(budget time.Duration, step func() error) (time.Duration, error) {
	for i := 0; i < 3; i++ {
		if err := step(); err != nil {
			return 0, err
		}
	}
	start, n := time.Now(), 0
	for n < 5 || time.Since(start) < budget {
		if err := step(); err != nil {
			return 0, err
		}
		n++
	}
	return time.Since(start) / time.Duration(n), nil
}

// trainStep times one Adam step of the named loss for an MLP
// D-128-128-D (softplus, float64) on a batch of 128, as training runs it
// (every loss by its head on the hand-written core).
func trainStep(loss string, d int, budget time.Duration) (Result, error) {
	_, conditional := losses.NoiseConditional(loss) // a model of the kind the loss needs
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: d, Hidden: hidden, Activation: "softplus", NoiseConditional: conditional},
		rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		return Result{}, err
	}
	l, err := losses.New(loss, m, losses.Options{Batch: batch, Gradients: true, Sigmas: noisescale.Geometric(1, 0.01, 10)})
	if err != nil {
		return Result{}, err
	}
	adam := train.NewAdam(train.AdamSettings{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, m.Params())
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float64, batch*d)
	per, err := timeIt(budget, func() error {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		if _, err := l.Evaluate(x, 1.0/batch, rng); err != nil {
			return err
		}
		return adam.Step(m.Params(), l.Grads(), 1)
	})
	if err != nil {
		return Result{}, err
	}
	flops := l.MatmulFLOPs()
	return Result{Case: loss, D: d, MsPerStep: ms(per), MatmulFLOPs: flops, GFLOPs: flops / per.Seconds() / 1e9}, nil
}

// langevin times plain Langevin steps of 1280 chains on an MLP 2-128-128-2
// (float64) with the given activation.
func langevin(budget time.Duration, activation string) (Result, error) {
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: hidden, Activation: activation}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		return Result{}, err
	}
	streams := sampler.Streams(3, 0, chains)
	c, flopsOf, err := workersOf(m, sampler.Chains{X: sampler.Uniform(2, -8, 8, streams), Streams: streams})
	if err != nil {
		return Result{}, err
	}
	per, err := timeIt(budget, func() error {
		_, err := sampler.Langevin(c, sampler.Settings{Steps: 1, Eps: 0.01})
		return err
	})
	if err != nil {
		return Result{}, err
	}
	flops := flopsOf()
	return Result{Case: "langevin-" + activation, D: 2, MsPerStep: ms(per), ChainStepsPerSec: chains / per.Seconds(),
		MatmulFLOPs: flops, GFLOPs: flops / per.Seconds() / 1e9}, nil
}

// dgemmPeak is the best rate of a 512 x 512 x 512 product with this build's
// BLAS, on one thread when GOMAXPROCS and OPENBLAS_NUM_THREADS are 1.
func dgemmPeak() Result {
	const n = 512
	a, b, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	for i := range a {
		a[i], b[i] = float64(i%7)-3, float64(i%5)-2
	}
	best := time.Duration(1 << 62)
	for rep := 0; rep < 8; rep++ {
		start := time.Now()
		G.WhichBLAS().Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n)
		best = min(best, time.Since(start))
	}
	return Result{Case: "dgemm", D: n, MsPerStep: ms(best), GFLOPs: 2 * n * n * n / best.Seconds() / 1e9}
}

// sgemmPeak is the best rate of a 512 x 512 x 512 float32 product with
// internal/gemm (the float32 path's products in every build), on one
// thread when GOMAXPROCS is 1.
func sgemmPeak() Result {
	const n = 512
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)-2
	}
	best := time.Duration(1 << 62)
	for rep := 0; rep < 8; rep++ {
		start := time.Now()
		gemm.On(0, false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		best = min(best, time.Since(start))
	}
	return Result{Case: "sgemm", D: n, MsPerStep: ms(best), GFLOPs: 2 * n * n * n / best.Seconds() / 1e9}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	impl := fs.String("impl", "scorenet", "name of this build in the report")
	budget := fs.Duration("budget", 2*time.Second, "time to spend on each case")
	dims := fs.String("d", "2,10,50", "dimensions of the training cases")
	large := fs.Bool("large", false, "also the image-size cases: anneal_dsm at D = 784 (MLP 785-1024-1024-784, swish) and 1000-chain annealed sampling of it")
	only := fs.String("only", "", "run only the cases whose name starts with one of these comma-separated `prefixes` (e.g. anneal_dsm-large-f32), no peaks")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measurements to this `file`")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	enc := json.NewEncoder(os.Stdout)
	wanted := func(name string) bool {
		for _, prefix := range strings.Split(*only, ",") {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		}
		return false
	}
	emit := func(r Result) error {
		if !wanted(r.Case) {
			return nil
		}
		r.Impl, r.BLAS, r.Threads = *impl, nn.BLAS, runtime.GOMAXPROCS(0)
		return enc.Encode(r)
	}
	if *only != "" {
		*dims = ""
	} else {
		if err := emit(dgemmPeak()); err != nil {
			return err
		}
		if err := emit(sgemmPeak()); err != nil {
			return err
		}
	}
	for _, loss := range []string{"exact", "sliced", "anneal_dsm"} {
		for _, d := range parseDims(*dims) {
			r, err := trainStep(loss, d, *budget)
			if err != nil {
				return fmt.Errorf("%s at D = %d: %w", loss, d, err)
			}
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	for _, activation := range nn.Activations() {
		if *only != "" {
			break
		}
		r, err := langevin(*budget, activation)
		if err != nil {
			return fmt.Errorf("langevin with %s: %w", activation, err)
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	if *large {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			for _, c := range []func(time.Duration, tensor.Dtype) (Result, error){largeTrainStep, largeSampling} {
				if !wanted(largeCaseName(c, dt)) {
					continue
				}
				if largeCaseName(c, dt) == "anneal_dsm-large-f32" && runtime.GOMAXPROCS(0) >= 2 && runtime.NumCPU() >= 2 {
					if err := enc.Encode(coreRoundTrip().from(*impl)); err != nil {
						return err
					}
				}
				r, err := c(*budget, dt)
				if err != nil {
					return err
				}
				if err := emit(r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// largeCaseName is the name the case c reports for dt.
func largeCaseName(c func(time.Duration, tensor.Dtype) (Result, error), dt tensor.Dtype) string {
	name := "annealed-large"
	if reflect.ValueOf(c).Pointer() == reflect.ValueOf(largeTrainStep).Pointer() {
		name = "anneal_dsm-large"
	}
	return name + caseSuffix(dt)
}

// largeModel is the image-size noise-conditional MLP 785-1024-1024-784.
func largeModel(dt tensor.Dtype) (nn.Model, error) {
	return nn.New(nn.Spec{Kind: "mlp", Dim: 784, Hidden: []int{1024, 1024}, Activation: "swish", NoiseConditional: true, Dtype: dt},
		rand.New(rand.NewPCG(1, 1)))
}

// caseSuffix marks a float32 case's name, as bench/torch_bench.py does.
func caseSuffix(dt tensor.Dtype) string {
	if dt == tensor.Float32 {
		return "-f32"
	}
	return ""
}

// largeTrainStep times one anneal_dsm training step of the large model on
// a batch of 128, as training runs it (the batch drawn from a set of rows,
// the loss on the fused engine, the gradient norm and Adam).
func largeTrainStep(budget time.Duration, dt tensor.Dtype) (Result, error) {
	m, err := largeModel(dt)
	if err != nil {
		return Result{}, err
	}
	l, err := losses.New("anneal_dsm", m, losses.Options{Batch: batch, Gradients: true, Sigmas: noisescale.Geometric(1, 0.01, 10)})
	if err != nil {
		return Result{}, err
	}
	adam := train.NewAdam(train.AdamSettings{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, m.Params())
	rng := rand.New(rand.NewPCG(2, 2))
	// Each step's batch is rows drawn from a fixed set, as training draws
	// them from its data (bench/torch_bench.py does the same): normals made
	// afresh for every step were half a millisecond of serial work that no
	// training step does.
	pool := make([]float64, largePoolRows*784)
	for i := range pool {
		pool[i] = rng.NormFloat64()
	}
	x := make([]float64, batch*784)
	// Each step's noise from its own stream, the next step's drawn beside
	// the update, as training draws it (train's update).
	step := uint64(0)
	noise := rand.New(rand.NewPCG(3, step))
	per, err := timeIt(budget, func() error {
		for r := range batch {
			i := rng.IntN(largePoolRows)
			copy(x[r*784:(r+1)*784], pool[i*784:(i+1)*784])
		}
		if _, err := l.Evaluate(x, 1.0/batch, noise); err != nil {
			return err
		}
		step++
		noise = rand.New(rand.NewPCG(3, step))
		var drawErr error
		if p, ok := l.(losses.Predrawer); ok {
			next := noise
			adam.Alongside = func() { drawErr = p.Predraw(batch, 1.0/batch, next) }
		}
		_, err := adam.StepUnclipped(m.Params(), l.Grads()) // training's update with train.grad_clip 0, the default
		return errors.Join(err, drawErr)
	})
	if err != nil {
		return Result{}, err
	}
	flops := l.MatmulFLOPs()
	return Result{Case: "anneal_dsm-large" + caseSuffix(dt), D: 784, MsPerStep: ms(per), MatmulFLOPs: flops, GFLOPs: flops / per.Seconds() / 1e9}, nil
}

// largePoolRows is the number of rows the image-size step's batches are
// drawn from.
const largePoolRows = 4096

// largeSamplingRun is the number of steps largeSampling times at a time.
const largeSamplingRun = 10

// largeSampling times annealed Langevin steps of 1000 chains of the large
// model at sigma 1, the chains split over the threads, and reports one
// step's time.
func largeSampling(budget time.Duration, dt tensor.Dtype) (Result, error) {
	m, err := largeModel(dt)
	if err != nil {
		return Result{}, err
	}
	const n = 1000
	streams := sampler.Streams(3, 0, n)
	c, flopsOf, err := workersOf(m, sampler.Chains{X: sampler.Uniform(784, 0, 1, streams), Streams: streams})
	if err != nil {
		return Result{}, err
	}
	// Steps in runs of largeSamplingRun, as a sampling run takes them
	// (bench/torch_bench.py's loop likewise keeps its tensors): a run of
	// one step also timed the sampler's set-up, a gradient buffer of
	// 6.3 MB allocated and cleared, which a run pays once.
	per, err := timeIt(budget, func() error {
		_, err := sampler.Annealed(c, sampler.Settings{StepsPerLevel: largeSamplingRun, Eps: 1e-4, Sigmas: []float64{1}})
		return err
	})
	if err != nil {
		return Result{}, err
	}
	per /= largeSamplingRun
	flops := flopsOf() // the last step's
	return Result{Case: "annealed-large" + caseSuffix(dt), D: 784, MsPerStep: ms(per), ChainStepsPerSec: n / per.Seconds(),
		MatmulFLOPs: flops, GFLOPs: flops / per.Seconds() / 1e9}, nil
}

func parseDims(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var d int
		if _, err := fmt.Sscan(f, &d); err == nil && d > 0 {
			out = append(out, d)
		}
	}
	return out
}

// scaling times exact and sliced steps from D = 2 to 100 and plots them.
func scaling(args []string) error {
	fs := flag.NewFlagSet("scaling", flag.ExitOnError)
	plot := fs.String("plot", "scaling.png", "where to draw the plot")
	budget := fs.Duration("budget", time.Second, "time to spend on each case")
	fs.Parse(args)
	enc := json.NewEncoder(os.Stdout)
	curves := map[string]*plots.Curve{"exact": {Name: "exact (D unit directions)"}, "sliced": {Name: "sliced (one random direction per point)"}}
	for _, d := range []int{2, 5, 10, 20, 35, 50, 75, 100} {
		for _, loss := range []string{"exact", "sliced"} {
			r, err := trainStep(loss, d, *budget)
			if err != nil {
				return err
			}
			r.Impl, r.BLAS, r.Threads = "scorenet", nn.BLAS, runtime.GOMAXPROCS(0)
			enc.Encode(r)
			c := curves[loss]
			c.Steps, c.Value = append(c.Steps, float64(d)), append(c.Value, r.MsPerStep)
		}
	}
	build := "pure-Go build"
	if strings.HasPrefix(nn.BLAS, "openblas") {
		build = "OpenBLAS build"
	}
	return plots.Lines(*plot, fmt.Sprintf("time per step vs dimension (MLP D-128-128-D, batch 128, %s)", build),
		"dimension D", "ms per step", false, *curves["exact"], *curves["sliced"])
}

// medianResult is the measurement of the median time of rs (bench/run.sh
// measures the image-size float32 cases several times, the two sides
// alternating, since the host's speed drifts by a quarter within minutes);
// of an even number, the slower of the middle two.
func medianResult(rs []Result) Result {
	sorted := slices.SortedFunc(slices.Values(rs), func(a, b Result) int { return cmp.Compare(a.MsPerStep, b.MsPerStep) })
	return sorted[len(sorted)/2]
}

// report prints the measurements side by side as a Markdown table.
func report(files []string) error {
	byKey := map[string]map[string]Result{} // case/D -> impl -> result
	var impls []string
	peaks, peaks32 := map[string]float64{}, map[string]float64{}
	var lik []LikResult
	repeats := map[string][]Result{} // case/D and impl -> every measurement of it
	pairs := map[string][]Result{}   // case -> each of two one-thread runs at once
	trips := map[string][]Result{}   // impl -> each core round trip, in order
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var r Result
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue
			}
			if r.Case == "likelihood" {
				var l LikResult
				if json.Unmarshal(sc.Bytes(), &l) == nil {
					lik = append(lik, l)
				}
				continue
			}
			if r.Case == "dgemm" {
				peaks[r.Impl] = r.GFLOPs
				continue
			}
			if r.Case == "sgemm" {
				peaks32[r.Impl] = r.GFLOPs
				continue
			}
			if r.Case == roundTripCase {
				trips[r.Impl] = append(trips[r.Impl], r)
				continue
			}
			if strings.HasSuffix(r.Impl, pairSuffix) {
				pairs[r.Case] = append(pairs[r.Case], r)
				continue
			}
			k := fmt.Sprintf("%s/%03d", r.Case, r.D)
			if byKey[k] == nil {
				byKey[k] = map[string]Result{}
			}
			if !contains(impls, r.Impl) {
				impls = append(impls, r.Impl)
			}
			repeats[k+"\x00"+r.Impl] = append(repeats[k+"\x00"+r.Impl], r)
			byKey[k][r.Impl] = medianResult(repeats[k+"\x00"+r.Impl])
		}
		fh.Close()
	}
	if len(byKey) == 0 {
		likReport(lik)
		return nil
	}
	defer func() {
		pairCeilings(os.Stdout, pairs, repeats)
		roundTripLines(os.Stdout, trips, repeats)
		if len(lik) > 0 {
			fmt.Println()
			likReport(lik)
		}
	}()
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	const ref = "pytorch"
	peak, peak32 := 0.0, 0.0
	for _, p := range peaks {
		peak = max(peak, p)
	}
	for _, p := range peaks32 {
		peak32 = max(peak32, p)
	}
	fmt.Printf("Single-thread dgemm peak (512^3): ")
	for _, i := range impls {
		if p, ok := peaks[i]; ok {
			fmt.Printf("%s %.1f GFLOP/s; ", i, p)
		}
	}
	fmt.Printf("the bound below uses the best, %.1f GFLOP/s.\n", peak)
	fmt.Printf("Single-thread sgemm peak (512^3, internal/gemm): ")
	for _, i := range impls {
		if p, ok := peaks32[i]; ok {
			fmt.Printf("%s %.1f GFLOP/s; ", i, p)
		}
	}
	fmt.Printf("the float32 (-f32) cases' bound uses the best, %.1f GFLOP/s.\n\n", peak32)
	tableHeader([]string{"case", "D"}, impls, ref, []string{"matmul MFLOP/step", "best scorenet GFLOP/s", "best scorenet / FLOP bound"})
	for _, k := range keys {
		rows := byKey[k]
		var any Result
		for _, r := range rows {
			any = r
		}
		sampling := any.ChainStepsPerSec > 0
		fmt.Printf("| %s | %d |", any.Case, any.D)
		for _, i := range impls {
			r, ok := rows[i]
			switch {
			case !ok:
				fmt.Printf(" - |")
			case sampling:
				fmt.Printf(" %.0fk chain-steps/s |", r.ChainStepsPerSec/1000)
			default:
				fmt.Printf(" %.2f ms |", r.MsPerStep)
			}
		}
		for _, i := range impls {
			if i == ref {
				continue
			}
			r, ok1 := rows[i]
			p, ok2 := rows[ref]
			switch {
			case !ok1 || !ok2:
				fmt.Printf(" - |")
			case sampling:
				fmt.Printf(" %.2fx throughput |", r.ChainStepsPerSec/p.ChainStepsPerSec)
			default:
				fmt.Printf(" %.2fx time |", r.MsPerStep/p.MsPerStep)
			}
		}
		best := Result{} // scorenet's, not PyTorch's on two threads
		for _, i := range impls {
			if r, ok := rows[i]; ok && strings.HasPrefix(i, "scorenet") && (best.MsPerStep == 0 || r.MsPerStep < best.MsPerStep) {
				best = r
			}
		}
		flops := best.MatmulFLOPs
		top := peak
		if strings.HasSuffix(any.Case, "-f32") {
			top = peak32
		}
		bound := flops / (top * 1e9) * 1000 // ms
		fmt.Printf(" %.1f | %.2f | %.1fx |\n", flops/1e6, best.GFLOPs, best.MsPerStep/bound)
	}
	return nil
}

// pairSuffix marks an implementation measured as one of two one-thread
// processes running at once (bench/run.sh's pairs).
const pairSuffix = "-pair"

// pairCeilings prints, for each case measured in pairs, what a perfect split
// of its step over two threads could reach on this host: two one-thread
// copies at once do two steps' work in the time each reports, so one step
// split over both threads can take no less than half that. Where the two
// vCPUs share a core's vector units, caches or memory bandwidth, the copies
// slow each other, and this floor rises above 0.5 of one thread's time.
func pairCeilings(w io.Writer, pairs map[string][]Result, repeats map[string][]Result) {
	cases := slices.Sorted(maps.Keys(pairs))
	for _, c := range cases {
		impl := strings.TrimSuffix(pairs[c][0].Impl, pairSuffix)
		alone := repeats[fmt.Sprintf("%s/%03d", c, pairs[c][0].D)+"\x00"+impl]
		if len(alone) == 0 {
			continue
		}
		t1, tp := medianResult(alone).MsPerStep, medianResult(pairs[c]).MsPerStep
		fmt.Fprintf(w, "\nTwo one-thread copies of %s at once (%d measurements): %.2f ms a step each (median), against %.2f ms alone (%s's median). "+
			"A perfect split of the step over two threads could take no less than %.2f ms, %.2fx one thread's time, on this host.\n",
			c, len(pairs[c]), tp, t1, impl, tp/2, tp/2/t1)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// workersOf gives the chains one scorer of m per thread, as scorenet
// sample does (one thread each when they run side by side), and a count of
// the products' work of their last step.
func workersOf(m nn.Model, c sampler.Chains) (sampler.Chains, func() float64, error) {
	var scorers []*nn.Scorer
	c, err := sampler.NewChains(c.X, c.Streams, gemm.Threads(), func(batch, threads int) (score.Func, score.LevelFunc, error) {
		sc, err := nn.NewScorer(m, batch, threads)
		if err != nil {
			return nil, nil, err
		}
		scorers = append(scorers, sc)
		return sc.Score, nil, nil
	})
	return c, func() float64 {
		flops := 0.0
		for _, sc := range scorers {
			flops += sc.MatmulFLOPs()
		}
		return flops
	}, err
}

// tableHeader prints a Markdown table's header: the lead columns, one per
// implementation, one per ratio of an implementation to ref, then the tail
// columns.
func tableHeader(lead, impls []string, ref string, tail []string) {
	cols := append([]string(nil), lead...)
	cols = append(cols, impls...)
	for _, i := range impls {
		if i != ref {
			cols = append(cols, i+" / "+ref)
		}
	}
	cols = append(cols, tail...)
	fmt.Printf("| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
}
