package workflow

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/sampler"
)

// firstLevelAsFar takes the smallest level, up to its bound, whose chains
// sit as far from the rows as the rows from each other: chains that are
// training rows plus noise of each level come as far once the noise
// reaches the rows' spacing. Lost chains (most of them here, set far
// off, as no sampler leaves them) are left out, the last step's level 0
// is skipped, and a bound below every level that comes as far gives 0.
func TestFirstLevelAsFarTakesTheSmallestLevel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rows := points.New(200, 2) // uniform in the unit square: about 0.035 apart
	for i := range rows.X {
		rows.X[i] = rng.Float64()
	}
	levels := []float64{0.8, 0.4, 0.2, 0.1, 0.05, 0.02, 0} // as the sampler records them, largest first
	var lost []int
	for c := range 600 {
		lost = append(lost, c)
	}
	var snaps []sampler.Snapshot
	for _, level := range levels {
		x := make([]float64, 1000*2)
		for c := range 1000 {
			r := rng.IntN(rows.N)
			x[2*c], x[2*c+1] = rows.X[2*r]+level*rng.NormFloat64(), rows.X[2*r+1]+level*rng.NormFloat64()
		}
		for _, c := range lost {
			x[2*c], x[2*c+1] = 1000, 1000
		}
		snaps = append(snaps, sampler.Snapshot{Sigma: level, X: x})
	}
	ratioOf := func(chains points.Points) (float64, bool) {
		return sigmaStopRatio(chains, rows, points.Points{D: 2}, 0)
	}
	fitsBelow := func(limit float64) func(points.Points) (float64, bool, bool) {
		return func(chains points.Points) (float64, bool, bool) {
			ratio, ok := ratioOf(chains)
			gap, _ := columnsOff(chains, rows)
			return ratio, ok, gap <= limit
		}
	}
	ratios, gaps := map[float64]float64{}, map[float64]float64{}
	for i, level := range levels[:len(levels)-1] {
		chains := withoutRows(points.Points{N: 1000, D: 2, X: snaps[i].X}, lost)
		ratios[level], _ = ratioOf(chains)
		gaps[level], _ = columnsOff(chains, rows)
	}
	t.Logf("ratio by level: %v; spread gap: %v", ratios, gaps)
	if !(ratios[0.02] < 1 && ratios[0.8] > 1 && gaps[0.1] > 0.03) {
		t.Fatalf("the fixture's ratios %v do not cross 1, or its spread gaps %v stay small", ratios, gaps)
	}
	for _, c := range []struct {
		name         string
		bound, limit float64
	}{
		{"bound above every level", 10, math.Inf(1)},
		{"bound at the crossing", 0.1, math.Inf(1)},
		{"bound below the crossing", 0.05, math.Inf(1)},
		{"the crossing's noise widens the columns too far", 10, 0.03},
	} {
		t.Run(c.name, func(t *testing.T) {
			level, ratio := firstLevelAsFar(snaps, lost, 2, c.bound, fitsBelow(c.limit))
			want := 0.0
			for _, l := range []float64{0.02, 0.05, 0.1, 0.2, 0.4, 0.8} { // smallest first
				if l > c.bound || gaps[l] > c.limit {
					break
				}
				if ratios[l] >= 1 {
					want = l
					break
				}
			}
			if level != want || (want > 0 && ratio != ratios[want]) {
				t.Errorf("level %v (ratio %v), want %v (ratio %v)", level, ratio, want, ratios[want])
			}
		})
	}
	if level, _ := firstLevelAsFar(snaps, nil, 2, 10, fitsBelow(math.Inf(1))); level != 0.02 {
		t.Errorf("with the lost chains kept, level %v, want the smallest, 0.02, where they sit far off", level)
	}
}

// The verdict on samples that copy the training rows names
// sample.sigma_stop for the solvers, which can stop short of the last
// level, and not for a sampler that walks no such schedule.
func TestCopiesAdviceNamesSigmaStopForSolvers(t *testing.T) {
	v := Verdict{NearestAgainst: againstTraining, NearestRatio: 0.3, NearestError: 0.05}
	for _, c := range []struct {
		kind string
		want bool
	}{
		{sampler.KindHeun, true},
		{sampler.KindDPMPP2M, true},
		{sampler.KindAnnealed, false},
		{sampler.KindLangevin, false},
	} {
		got := strings.Join(v.warnings(c.kind), "\n")
		if !strings.Contains(got, "copy the training data") || strings.Contains(got, "sample.sigma_stop") != c.want {
			t.Errorf("%s: warnings %q; sample.sigma_stop named: want %v", c.kind, got, c.want)
		}
	}
}

// On a table whose every column is discrete, samples are put onto the
// values the rows hold: a level's noise kept is snapped off, and the
// copies' advice leaves sample.sigma_stop out and says why they land on
// rows (HSAUR3's schizophrenia2: 0.50 at every level tried).
func TestCopiesAdviceOnADiscreteGrid(t *testing.T) {
	v := Verdict{NearestAgainst: againstTraining, NearestRatio: 0.3, NearestError: 0.05, allDiscrete: true}
	got := strings.Join(v.warnings(sampler.KindHeun), "\n")
	if !strings.Contains(got, "copy the training data") || strings.Contains(got, "sample.sigma_stop") || !strings.Contains(got, "every column is discrete") {
		t.Errorf("warnings %q: want the copies told without sample.sigma_stop, naming the discrete columns", got)
	}
	cols := Columns{Levels: map[int][]float64{0: {0, 1}, 1: {1, 2, 3}}}
	p := points.Points{N: 4, D: 2, X: []float64{0, 1, 1, 2, 0, 3, 1, 1}}
	if !Judge(p, p, p, cols).allDiscrete {
		t.Error("two discrete columns of two: not every column discrete")
	}
	cols.Levels = map[int][]float64{0: {0, 1}}
	if Judge(p, p, p, cols).allDiscrete {
		t.Error("one discrete column of two: every column discrete")
	}
}

// Diffuse samples from the run's best checkpoint, an earlier one than its
// newest, are told to try the newest first (TeachingRatings' best, step
// 1500 of 40000, drew 3.0 times as far as new rows, its newest 1.3, and
// the advice to train longer went round in a circle).
func TestDiffuseFromTheBestNamesTheNewest(t *testing.T) {
	for _, fromBest := range []bool{false, true} {
		v := Verdict{NearestRatio: 3, NearestError: 0.05, SpreadLow: 0.5, SpreadHigh: 1, spreadOff: true, fromBest: fromBest, bestStep: 10, newest: "run/checkpoints/step-000000050.safetensors"}
		got := v.warnings(sampler.KindHeun)
		// Every warning that advises training longer names the newest
		// first: training longer does not move the best.
		for _, w := range got {
			newest := strings.Contains(w, "sample from the run's newest checkpoint (-checkpoint run/checkpoints/step-000000050.safetensors: these came from its best by held-out loss, step 10, which training longer does not move)")
			if strings.Contains(w, "train longer") && newest != fromBest {
				t.Errorf("from the best %v: warning %q", fromBest, w)
			}
		}
		if len(got) != 2 || !strings.Contains(got[1], "diffuse") {
			t.Errorf("from the best %v: warnings %q, want the spread's and diffuse", fromBest, got)
		}
	}
	// Opened at its best: from an earlier one only where a newer one is
	// kept (a best at the newest step is the newest; a second reader was
	// told to sample from the newest after sampling from it).
	dir := t.TempDir()
	os.MkdirAll(rundir.CheckpointDir(dir), 0o755)
	for _, step := range []int{10, 50} {
		os.WriteFile(checkpoints.Path(rundir.CheckpointDir(dir), step), nil, 0o644)
	}
	for _, c := range []struct {
		step int
		want bool
	}{{10, true}, {50, false}} {
		var v Verdict
		v.givenSettings(&Run{Run: &rundir.Run{Config: &configs.Config{}, Dir: dir, Checkpoint: rundir.BestPath(dir), Step: c.step}})
		if v.fromBest != c.want || c.want && v.newest != checkpoints.Path(rundir.CheckpointDir(dir), 50) {
			t.Errorf("best at step %d of 50: from an earlier best %v (newest %q), want %v", c.step, v.fromBest, v.newest, c.want)
		}
	}
}

// The verdict's fixes leave out what the run already does: a run
// standardised and preconditioned (as train -data trains) is not told to
// standardise or precondition.
func TestAdviceLeavesOutWhatTheRunDoes(t *testing.T) {
	for _, c := range []struct {
		name                         string
		standardized, preconditioned bool
		autoSteps                    bool
		capped                       int
		want, not                    []string
	}{
		{"neither", false, false, false, 0, []string{"model.sigma_data: auto", "data.standardize: true", "train longer (train.steps)"}, []string{"train.patience"}},
		{"standardised", true, false, false, 0, []string{"model.sigma_data: auto"}, []string{"data.standardize"}},
		{"both", true, true, false, 0, []string{"train longer"}, []string{"data.standardize", "model.sigma_data"}},
		// A number of steps would turn off the stop that chose the length.
		{"train.steps auto", true, true, true, 0, []string{"train longer (a larger train.patience"}, []string{"train longer (train.steps)"}},
		// Only a number of steps raises the cap a run ran to.
		{"train.steps auto, at its cap", true, true, true, 20000, []string{"train longer (-set train.steps=40000"}, []string{"train.patience"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := Verdict{OutsideRange: 0.2, WorstColumn: 1, WorstOutside: 0.2, MeanShift: 0.5, meanOff: true, standardized: c.standardized, preconditioned: c.preconditioned, autoSteps: c.autoSteps, capped: c.capped}
			got := strings.Join(v.warnings(sampler.KindHeun), "\n")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Errorf("warnings %q name %q, which the run does", got, w)
				}
			}
		})
	}
}

// A column's ends that one row alone holds are the ones a new row can
// pass: both for a continuous column, only the lone one for a discrete
// one, none where many rows share each end.
func TestLoneEnds(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		want   int
	}{
		{"continuous", []float64{0.3, 1.7, 0.9, 2.2}, 2},
		{"a flag, its 1 on one row", []float64{0, 0, 1, 0}, 1},
		{"a flag, both values shared", []float64{0, 1, 1, 0}, 0},
		{"one row", []float64{5}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := points.Points{N: len(c.values), D: 1, X: c.values}
			if got := loneEnds(p, 0); got != c.want {
				t.Errorf("loneEnds = %d, want %d", got, c.want)
			}
		})
	}
}

// The advice to train longer follows how the run chose its length: a
// refit's config.yaml has train.steps as a number, its first training
// having chosen it by patience; a run of train.steps auto that reached
// its cap is told the number of steps that raises it.
func TestTrainLongerFollowsTheRunsLength(t *testing.T) {
	for _, c := range []struct {
		name  string
		train configs.Train
		step  int
		want  string
	}{
		{"a number of steps", configs.Train{Steps: 5000}, 5000, "train longer (train.steps)"},
		{"auto, stopped by patience", configs.Train{Steps: 20000, StepsAuto: true}, 6400, "a larger train.patience"},
		{"auto, at its cap", configs.Train{Steps: 20000, StepsAuto: true}, 20000, "-set train.steps=40000"},
		{"a refit", configs.Train{Steps: 19950, Refitted: &configs.Refitted{Length: 16400}}, 19950, "a larger train.patience"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := &configs.Config{Train: c.train}
			var v Verdict
			v.givenSettings(&Run{Run: &rundir.Run{Config: cfg, Step: c.step}})
			if got := v.TrainLonger(); !strings.Contains(got, c.want) {
				t.Errorf("%q, want it to name %q", got, c.want)
			}
		})
	}
}
