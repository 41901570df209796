package workflow_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/internal/gemm"
	"scorenet/likelihood"
	"scorenet/nn"
	"scorenet/sampler"
	"scorenet/score"
	"scorenet/workflow"
)

// blobCentres are the centres of labelledBlobs' three classes.
var blobCentres = [][2]float64{{-3, 0}, {3, 0}, {0, 4}}

// labelledBlobs writes n rows of three Gaussian blobs (spread 0.5) with
// their class in a column named label, between the coordinates.
func labelledBlobs(t *testing.T, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("a,label,b\n")
	for i := range n {
		y := i % 3
		fmt.Fprintf(&b, "%.6f,%d,%.6f\n", blobCentres[y][0]+0.5*rng.NormFloat64(), y, blobCentres[y][1]+0.5*rng.NormFloat64())
	}
	path := filepath.Join(t.TempDir(), "blobs.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// labelledRun trains a class-conditional model on labelledBlobs.
func labelledRun(t *testing.T, steps int, overrides ...string) *workflow.Run {
	t.Helper()
	cfg := testConfig(t, append([]string{"data.dataset=file", "data.path=" + labelledBlobs(t, 600), "data.label_column=label",
		"data.standardize=true", "train.loss=anneal_dsm", "model.noise_conditional=true", "model.sigma_data=1", "model.activation=swish",
		"model.hidden=[64, 64]", "train.sigmas={begin: 4, end: 0.05, n: 12}", fmt.Sprintf("train.steps=%d", steps), "train.eval_every=0",
		"train.optimizer.lr=0.003", "sample.n=60",
		// guidance's 0.1, not a table's 0.5: 3000 steps teach each class
		// its blob with nine batches in ten
		"train.label_dropout=0.1"}, overrides...)...)
	run := trained(t, cfg)
	if run.Config.Model.Classes != 3 {
		t.Fatalf("model.classes %d, want the 3 of the labels", run.Config.Model.Classes)
	}
	return run
}

// Labelled chains are scored with their own labels whichever worker draws
// them: any shard of them is the same bits as those rows of the whole,
// on one thread or two.
func TestLabelledShardsMatchTheWhole(t *testing.T) {
	run := labelledRun(t, 30)
	defer gemm.SetThreads(0)
	// Not pc: its corrector's step is set by norms over all the chains.
	for _, sampler := range []string{"heun", "dpmpp_2m", "annealed", "langevin", "ode"} {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%d threads", sampler, threads), func(t *testing.T) {
				gemm.SetThreads(threads)
				s := run.Config.Sample
				s.Sampler, s.N, s.Guidance, s.Steps, s.StepsPerLevel = sampler, 11, 1.5, 8, 2
				job, err := run.RunJob(s, "network")
				if err != nil {
					t.Fatal(err)
				}
				if job.Labels, err = workflow.ChainLabels("all", s.N, 3); err != nil {
					t.Fatal(err)
				}
				whole, err := workflow.Sample(job)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(whole.Labels, job.Labels) {
					t.Errorf("the samples' labels %v, the chains' %v", whole.Labels, job.Labels)
				}
				job.First, job.Count = 4, 5
				part, err := workflow.Sample(job)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(part.Samples.X, whole.Samples.X[4*2:9*2]) {
					t.Errorf("chains 4..8 drawn alone differ from those rows of the whole")
				}
			})
		}
	}
}

// Guidance is (1 + w) s(x, sigma, y) - w s(x, sigma), the unconditional
// score the null label's, at one level for all and at a level per point.
func TestGuidanceCombinesTheScores(t *testing.T) {
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{8, 8}, Activation: "swish", NoiseConditional: true, SigmaData: 0.8, Classes: 3},
		rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	labels := []int32{2, 0, 1, 1}
	x := []float64{0.3, -1, 2, 0.5, -0.7, 0.1, 1.5, 1.5}
	sigmas := []float64{0.2, 1, 3, 0.05}
	sc, err := nn.NewScorer(m, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	scoreWith := func(labels []int32, level bool) []float64 {
		out := make([]float64, len(x))
		if err := sc.SetLabels(labels); err != nil {
			t.Fatal(err)
		}
		if level {
			err = sc.ScoreAt(out, x, sigmas)
		} else {
			err = sc.Score(out, x, 0.7)
		}
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, w := range []float64{0, 0.5, 3} {
		scorers, _ := workflow.GuidedScorers(m, labels, w)
		at, each, err := scorers(4, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, level := range []bool{false, true} {
			got := make([]float64, len(x))
			if level {
				err = each(got, x, sigmas)
			} else {
				err = at(got, x, 0.7)
			}
			if err != nil {
				t.Fatal(err)
			}
			cond, plain := scoreWith(labels, level), scoreWith(nil, level)
			for i := range got {
				want := (1+w)*cond[i] - w*plain[i]
				if math.Abs(got[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("w %v, per-point levels %v: score %d is %v, want %v", w, level, i, got[i], want)
				}
			}
		}
	}
	scorers, rows := workflow.GuidedScorers(m, labels, 1)
	at, each, err := scorers(4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := at(make([]float64, 4), x[:4], 1); err == nil {
		t.Error("2 chains scored with 4 labels: no error")
	}
	// The ode solver's unfinished chains 3 and 1: their own labels.
	rows([]int{3, 1})
	got := make([]float64, 4)
	if err := each(got, append(x[6:8:8], x[2:4]...), []float64{0.05, 1}); err != nil {
		t.Fatal(err)
	}
	sc.SetLabels([]int32{1, 0})
	cond := make([]float64, 4)
	sc.ScoreAt(cond, append(x[6:8:8], x[2:4]...), []float64{0.05, 1})
	sc.SetLabels(nil)
	plain := make([]float64, 4)
	sc.ScoreAt(plain, append(x[6:8:8], x[2:4]...), []float64{0.05, 1})
	for i := range got {
		if want := 2*cond[i] - plain[i]; math.Abs(got[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("rows 3 and 1: score %d is %v, want %v", i, got[i], want)
		}
	}
}

// Each class's samples come from that class's data: a model trained
// briefly on three blobs puts every class's samples around its own blob;
// and its score and likelihood given a point's class are of that class's
// blob (classesScoreTheirOwnData).
func TestClassesSampleTheirOwnData(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for 3000 steps (about 3 s)")
	}
	run := labelledRun(t, 3000)
	data, err := run.Data("the test")
	if err != nil {
		t.Fatal(err)
	}
	for _, sampler := range []string{"heun", "annealed", "ode"} {
		s := run.Config.Sample
		s.Sampler, s.N, s.StepsPerLevel = sampler, 300, 50
		job, err := run.RunJob(s, "network")
		if err != nil {
			t.Fatal(err)
		}
		job.Labels, _ = workflow.ChainLabels("all", s.N, 3)
		drawn, err := workflow.Sample(job)
		if err != nil {
			t.Fatal(err)
		}
		verdicts, err := workflow.JudgeRunByClass(run, data, drawn.Samples, drawn.Labels, sampler)
		if err != nil {
			t.Fatal(err)
		}
		if len(verdicts) != 3 {
			t.Fatalf("%s: %d class verdicts, want 3", sampler, len(verdicts))
		}
		for _, v := range verdicts {
			// 100 samples of a blob of spread 0.5 from a model trained
			// briefly: a mean within 0.25 is five standard errors; a
			// chain scored with another class's label lands 5 away.
			var mean [2]float64
			for i, y := range drawn.Labels {
				if int(y) == v.Class {
					mean[0] += drawn.Samples.Row(i)[0] / 100
					mean[1] += drawn.Samples.Row(i)[1] / 100
				}
			}
			c := blobCentres[v.Class]
			if math.Hypot(mean[0]-c[0], mean[1]-c[1]) > 0.25 || v.OutsideRange > 0.05 {
				t.Errorf("%s: class %d's samples have mean %.3f, want %v; verdict %s", sampler, v.Class, mean, c, v.Summary())
			}
		}
	}
	classesScoreTheirOwnData(t, run)
}

// classesScoreTheirOwnData checks a run trained on labelledBlobs: the rows
// of its training file are read with their classes; the score at a
// blob's centre given its class is near 0 and given another points to
// that one's blob; the joint log p(x, y) of a blob's point is the flow of
// its class's field plus the log of the class's share of the training
// rows, largest at its own class, and over the classes sums to about the
// unconditional log p(x) (p(x) = sum_y p(x, y); the null class's field,
// trained on one batch in ten, is the rougher).
func classesScoreTheirOwnData(t *testing.T, run *workflow.Run) {
	read, err := workflow.ReadClassedRows(run, run.Config.Data.Path)
	pts, labels := read.Points, read.Labels
	if err != nil || len(labels) != 600 || pts.N != 600 {
		t.Fatalf("the training file read with %d labels, %d points: %v", len(labels), pts.N, err)
	}
	for i, y := range labels[:9] {
		if int(y) != i%3 {
			t.Fatalf("row %d's class read as %d, want %d", i, y, i%3)
		}
	}
	// A class the run has not: refused where it is used, taken out
	// unread by the readers that do without it (plot, sample's start).
	for _, c := range []struct{ name, classes, err string }{
		{"a number beyond the classes", "0 7", `line 3: class 7, but the run learnt classes 0 to 2 (column label)`},
		{"names for numbered classes", "emu dog", `line 2: class "emu" is a name, but the run's classes (column label) are numbers, 0 to 2`},
	} {
		path := filepath.Join(t.TempDir(), "rows.csv")
		first, second, _ := strings.Cut(c.classes, " ")
		os.WriteFile(path, []byte("a,label,b\n1,"+first+",2\n1,"+second+",2\n"), 0o644)
		if _, err := workflow.ReadClassedRows(run, path); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %s", c.name, err, c.err)
		}
		if p, err := workflow.ReadRows(run, path); err != nil || p.N != 2 {
			t.Errorf("%s, read without the classes: %d rows, %v", c.name, p.N, err)
		}
	}
	centre := blobCentres[0][:]
	for y, c := range blobCentres {
		score, err := run.ClassScorer(1, []int32{int32(y)})
		if err != nil {
			t.Fatal(err)
		}
		s := make([]float64, 2)
		if err := score(s, centre, run.SmallestSigma()); err != nil {
			t.Fatal(err)
		}
		toward := (c[0]-centre[0])*s[0] + (c[1]-centre[1])*s[1]
		// A blob of spread 0.5: its score at its centre is 0, at 3 from
		// another's centre about 3/0.25 = 12 towards it.
		if y == 0 && math.Hypot(s[0], s[1]) > 2 || y > 0 && toward/math.Hypot(c[0]-centre[0], c[1]-centre[1]) < 4 {
			t.Errorf("the score at class 0's centre given class %d: %v", y, s)
		}
	}
	x := pts.Subset([]int{0, 1, 2, 3, 4, 5})
	o := workflow.LikelihoodOptions{Rtol: 1e-5, Atol: 1e-5}
	plain, err := workflow.LogLikelihood(run, x, o)
	if err != nil {
		t.Fatal(err)
	}
	net, err := run.Model.(*nn.MLP).Net64()
	if err != nil {
		t.Fatal(err)
	}
	levels := run.Config.NoiseLevels()
	flowOf := func(y int32) []float64 {
		f, err := likelihood.NewNetwork(net, likelihood.Exact, 0, 8, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := likelihood.Settings{VE: sampler.VE{Min: levels[len(levels)-1], Max: levels[0]}, Rtol: 1e-5, Atol: 1e-5, Trace: likelihood.Exact,
			Labels: []int32{y, y, y, y, y, y}}
		res, err := likelihood.Compute([]score.Field{f}, run.Norm.Apply(x), s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.LogP {
			res.LogP[i] += run.Norm.LogJacobian(x.Row(i))
		}
		return res.LogP
	}
	counts := run.Config.Model.ClassCounts
	joint := make([][]float64, 3)
	for y := range joint {
		o.Labels = []int32{int32(y), int32(y), int32(y), int32(y), int32(y), int32(y)}
		res, err := workflow.LogLikelihood(run, x, o)
		if err != nil {
			t.Fatal(err)
		}
		joint[y] = res.LogP
		share := math.Log(float64(counts[y]) / float64(counts[0]+counts[1]+counts[2]))
		for i, v := range flowOf(int32(y)) {
			if math.Abs(joint[y][i]-(v+share)) > 1e-9 {
				t.Errorf("point %d, class %d: log p(x, y) %v, want log p(x | y) %v + log share %v", i, y, joint[y][i], v, share)
			}
		}
	}
	for i := range x.N {
		own, sum := joint[labels[i]][i], 0.0
		for y := range joint {
			sum += math.Exp(joint[y][i])
			if y != int(labels[i]) && joint[y][i] > own-3 {
				t.Errorf("point %d of class %d: log p(x, %d) %.2f, near its own class's %.2f", i, labels[i], y, joint[y][i], own)
			}
		}
		if math.Abs(math.Log(sum)-plain.LogP[i]) > 1.5 {
			t.Errorf("point %d: log sum_y p(x, y) %.3f, unconditional log p(x) %.3f", i, math.Log(sum), plain.LogP[i])
		}
	}
}

// -class names all, one class or a list; chains take them in turn.
func TestChainLabels(t *testing.T) {
	for _, c := range []struct {
		name, class string
		want        []int32
		err         string
	}{
		{"none", "", nil, ""},
		{"all", "all", []int32{0, 1, 2, 0, 1}, ""},
		{"one", "2", []int32{2, 2, 2, 2, 2}, ""},
		{"list", "1, 0", []int32{1, 0, 1, 0, 1}, ""},
		{"past the last class", "3", nil, `"3" is not a class`},
		{"negative", "-1", nil, `"-1" is not a class`},
		{"not a number", "shoe", nil, `"shoe" is not a class`},
		{"empty entry", "1,,2", nil, `"" is not a class`},
		{"names", "dog,cat", []int32{1, 0, 1, 0, 1}, ""},
		{"more classes than chains", "0,1,2,0,1,2", nil, "-n must be at least 6, got 5"},
		{"unknown name", "cow", nil, `"cow" is not a class: want all, or classes from 0 to 2 or their names (cat, dog, emu)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := workflow.ChainLabels(c.class, 5, 3, "cat", "dog", "emu")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "-class") {
					t.Errorf("error %v, want one naming -class and %s", err, c.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
	if _, err := workflow.ChainLabels("1", 5, 0); err == nil || !strings.Contains(err.Error(), "no classes") {
		t.Errorf("-class on a model without classes: %v", err)
	}
}

// Without -class, chains take the classes in the training rows'
// proportions: each class's share of n rounded by largest remainder, the
// classes interleaved, the same labels for the same n and counts.
func TestMixedLabels(t *testing.T) {
	for _, c := range []struct {
		name   string
		n      int
		counts []int
		want   []int32
	}{
		{"even", 6, []int{5, 5, 5}, []int32{0, 1, 2, 0, 1, 2}},
		{"three to one, interleaved", 8, []int{30, 10}, []int32{0, 0, 1, 0, 0, 0, 1, 0}},
		{"a remainder to the largest", 5, []int{2, 1}, []int32{0, 1, 0, 1, 0}},
		{"ties to the lower class", 1, []int{1, 1}, []int32{0}},
		{"a class with no rows", 4, []int{0, 3, 1}, []int32{1, 1, 2, 1}},
		{"fewer chains than classes", 2, []int{1, 1, 1, 1}, []int32{0, 1}},
		{"no chains", 0, []int{1, 2}, nil},
		{"no rows", 3, []int{0, 0}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := workflow.MixedLabels(c.n, c.counts); !slices.Equal(got, c.want) {
				t.Errorf("MixedLabels(%d, %v) = %v, want %v", c.n, c.counts, got, c.want)
			}
		})
	}
	// Many chains: each class within one chain of its share, and every
	// run of 100 chains within 2 of it (a shard's chains are such a run).
	counts := []int{50, 31, 12, 7}
	n := 1000
	labels := workflow.MixedLabels(n, counts)
	for first := 0; first+100 <= n; first += 100 {
		in := make([]int, len(counts))
		for _, y := range labels[first : first+100] {
			in[y]++
		}
		for y, c := range counts {
			if d := float64(in[y]) - float64(c); d < -2 || d > 2 {
				t.Errorf("chains %d to %d: class %d has %d, want %d within 2", first, first+99, y, in[y], c)
			}
		}
	}
}
