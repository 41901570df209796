package rundir

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"scorenet/checkpoints"
	"scorenet/internal/gemm"
	"scorenet/points"
)

// gaussianRows draws n rows of N(0, diag(vars)) rotated by a fixed angle in
// the plane of the first two coordinates.
func gaussianRows(n int, vars []float64, angle float64, seed uint64) points.Points {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := len(vars)
	p := points.New(n, d)
	c, s := math.Cos(angle), math.Sin(angle)
	for i := range n {
		x := p.Row(i)
		for j, v := range vars {
			x[j] = math.Sqrt(v) * rng.NormFloat64()
		}
		x[0], x[1] = c*x[0]-s*x[1], s*x[0]+c*x[1]
	}
	return p
}

// FitAxes finds the data's principal directions and variances, largest
// first, and Rest holds what they leave of the trace.
func TestFitAxesFindsTheCovariance(t *testing.T) {
	const n, angle = 20000, 0.5
	many := make([]float64, 40)
	for j := range many {
		many[j] = 0.5
	}
	copy(many, []float64{16, 9, 4})
	for _, tc := range []struct {
		name  string
		vars  []float64
		axes  int
		first []float64 // the largest variances, in order
	}{
		{"every axis of 3 columns", []float64{4, 0.25, 1}, 3, []float64{4, 1, 0.25}},
		{"32 axes of 40 columns and the rest", many, MaxAxes, []float64{16, 9, 4}},
		{"no axes above MaxAxesDim", make([]float64, MaxAxesDim+1), 0, nil},
		{"every axis of a sample of rows", []float64{4, 0.25, 1}, 3, []float64{4, 1, 0.25}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := gaussianRows(min(n, 200), tc.vars, angle, 3)
			switch {
			case strings.Contains(tc.name, "sample"):
				p = gaussianRows(2*axesRows+1, tc.vars, angle, 3)
			case tc.axes > 0:
				p = gaussianRows(n, tc.vars, angle, 3)
			}
			m := MomentsOf(p)
			m.FitAxes(p)
			if len(m.Axes) != tc.axes {
				t.Fatalf("%d axes, want %d", len(m.Axes), tc.axes)
			}
			if tc.axes == 0 {
				return
			}
			u1 := []float64{math.Cos(angle), math.Sin(angle)}
			if dot := math.Abs(u1[0]*m.Axes[0].Dir[0] + u1[1]*m.Axes[0].Dir[1]); dot < 0.999 {
				t.Errorf("first direction %.4f, want +-(%.4f, %.4f, 0...)", m.Axes[0].Dir[:3], u1[0], u1[1])
			}
			for k, want := range tc.first {
				// A variance's standard error from n rows is sqrt(2/n) of it: 1%.
				if got := m.Axes[k].Var; math.Abs(got-want) > 0.04*want {
					t.Errorf("axis %d's variance %.4f, want %v +- 4%%", k+1, got, want)
				}
			}
			trace, kept := m.Var*float64(p.D), 0.0
			for k, a := range m.Axes {
				kept += a.Var
				if k > 0 && a.Var > m.Axes[k-1].Var {
					t.Errorf("axis %d's variance %.4f above axis %d's %.4f", k+1, a.Var, k, m.Axes[k-1].Var)
				}
			}
			if got := kept + m.Rest*float64(p.D-len(m.Axes)); math.Abs(got-trace) > 1e-9*trace {
				t.Errorf("axes and rest hold %.12g of the trace %.12g", got, trace)
			}
			maxAbs := 0.0
			for _, v := range p.X {
				maxAbs = math.Max(maxAbs, math.Abs(v))
			}
			if !axesFit(m, p.D, maxAbs) {
				t.Error("a reader would refuse the axes")
			}
			if len(m.Axes) < p.D && !(m.Rest > 0.3 && m.Rest <= m.Axes[len(m.Axes)-1].Var) {
				t.Errorf("rest %.4f, want the smallest variances' mean, near 0.5 and at most the last axis's %.4f", m.Rest, m.Axes[len(m.Axes)-1].Var)
			}
		})
	}
}

// The axes have the same bits on any thread count, as the products they
// come from.
func TestFitAxesAnyThreads(t *testing.T) {
	vars := make([]float64, 64) // wide enough that the products split
	for j := range vars {
		vars[j] = 1 / float64(j+1)
	}
	p := gaussianRows(5000, vars, 0.3, 5)
	fit := func(threads int) DataMoments {
		defer gemm.SetThreads(gemm.Threads())
		gemm.SetThreads(threads)
		m := MomentsOf(p)
		m.FitAxes(p)
		return m
	}
	one, two := fit(1), fit(2)
	if len(one.Axes) != MaxAxes || len(two.Axes) != MaxAxes || one.Rest != two.Rest {
		t.Fatalf("%d and %d axes, rests %v and %v", len(one.Axes), len(two.Axes), one.Rest, two.Rest)
	}
	for k := range one.Axes {
		if one.Axes[k].Var != two.Axes[k].Var || !slices.Equal(one.Axes[k].Dir, two.Axes[k].Dir) {
			t.Fatalf("axis %d differs between 1 and 2 threads", k+1)
		}
	}
}

// A run's checkpoint keeps its axes to the bit, and an edited record of
// them is refused when the run is opened.
func TestAxesThroughACheckpoint(t *testing.T) {
	p := gaussianRows(500, []float64{4, 1, 0.25}, 0.5, 7)
	moments := MomentsOf(p)
	moments.FitAxes(p)
	maxAbs := 0.0
	for _, v := range p.X {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	save := func(t *testing.T, edit func(*DataMoments)) string {
		cfg := testConfig(t)
		c, _ := checkpointOf(t, cfg, 3)
		m := moments
		m.Axes = slices.Clone(moments.Axes)
		if edit != nil {
			edit(&m)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		c.Meta[metaMoments] = string(b)
		c.Meta[metaMaxAbs] = strconv.FormatFloat(maxAbs, 'g', -1, 64)
		if _, err := checkpoints.Save(CheckpointDir(cfg.Output.Dir), c, 0); err != nil {
			t.Fatal(err)
		}
		return cfg.Output.Dir
	}
	run, err := Open(save(t, nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Moments.Axes) != 3 || run.Moments.Rest != 0 {
		t.Fatalf("opened %d axes, rest %v; want 3 and 0", len(run.Moments.Axes), run.Moments.Rest)
	}
	for k, a := range run.Moments.Axes {
		if a.Var != moments.Axes[k].Var || !slices.Equal(a.Dir, moments.Axes[k].Dir) {
			t.Errorf("axis %d changed on its way through the checkpoint", k+1)
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*DataMoments)
	}{
		{"a direction not of unit length", func(m *DataMoments) { m.Axes[1].Dir = []float64{1, 1, 0} }},
		{"a direction of the wrong width", func(m *DataMoments) { m.Axes[0].Dir = []float64{1, 0} }},
		{"fewer axes than columns", func(m *DataMoments) { m.Axes = m.Axes[:2] }},
		{"a negative variance", func(m *DataMoments) { m.Axes[2].Var = -1 }},
		{"a rest beside every axis", func(m *DataMoments) { m.Rest = 1e300 }},
		{"a rest without axes", func(m *DataMoments) { m.Axes, m.Rest = nil, 0.5 }},
		{"a variance beyond the data's reach", func(m *DataMoments) { m.Axes[0].Var = 4 * maxAbs * maxAbs }},
		{"one direction twice", func(m *DataMoments) { m.Axes[1] = m.Axes[0] }},
		{"the smaller variance first", func(m *DataMoments) { m.Axes[0], m.Axes[1] = m.Axes[1], m.Axes[0] }},
		{"variances that are not the trace", func(m *DataMoments) { m.Axes[0].Var *= 1.01 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(save(t, tc.edit), "")
			if err == nil || !strings.Contains(err.Error(), "bad data_moments metadata") {
				t.Errorf("got %v, want bad data_moments metadata", err)
			}
		})
	}
}
