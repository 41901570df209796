package datasets

import (
	"math/rand/v2"
	"strings"
	"testing"

	"scorenet/points"
)

// column builds n rows of one column: share of them at v, the rest drawn
// from lo + |N(0, 1)|.
func column(n int, share, v, lo float64, seed uint64) points.Points {
	r := rand.New(rand.NewPCG(seed, 1))
	p := points.New(n, 1)
	for i := range n {
		if float64(i) < share*float64(n) {
			p.X[i] = v
		} else {
			p.X[i] = lo + 0.01 + abs(r.NormFloat64())
		}
	}
	return p
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestFindEnds(t *testing.T) {
	for _, c := range []struct {
		name     string
		p        points.Points
		discrete map[int][]float64
		low      bool
	}{
		{"a quarter of the rows at 0", column(400, 0.25, 0, 0, 1), nil, true},
		{"5% at 0", column(400, 0.05, 0, 0, 2), nil, true},
		{"2% at 0", column(400, 0.02, 0, 0, 3), nil, false},
		{"continuous", column(400, 0, 0, 0, 4), nil, false},
		{"a discrete column snaps already", column(400, 0.25, 0, 0, 5), map[int][]float64{0: {0, 1}}, false},
	} {
		e := FindEnds(c.p, c.discrete)
		if _, low := e.Low[0]; low != c.low || len(e.High) != 0 {
			t.Errorf("%s: ends %+v, want a low mass %v and no high one", c.name, e, c.low)
		}
	}
	// A score at its ceiling: the mass is at the column's maximum.
	p := column(200, 0.3, 100, 0, 6)
	for i := range p.X {
		if p.X[i] != 100 {
			p.X[i] = 100 - p.X[i]
		}
	}
	if e := FindEnds(p, nil); e.High[0] != 100 || len(e.Low) != 0 {
		t.Errorf("a ceiling: ends %+v, want a high mass at 100", e)
	}
}

func TestEndsSnapOnlyBeyond(t *testing.T) {
	e := Ends{Low: map[int]float64{0: 0}, High: map[int]float64{1: 10}}
	p := points.Points{N: 3, D: 2, X: []float64{-0.5, 11, 0.2, 9.9, -1e-9, 10}}
	if moved := e.Snap(p); moved != 3 {
		t.Errorf("moved %d values, want 3", moved)
	}
	want := []float64{0, 10, 0.2, 9.9, 0, 10}
	for i, v := range p.X {
		if v != want[i] {
			t.Fatalf("snapped %v, want %v", p.X, want)
		}
	}
	if s := e.Describe(points.Points{N: 2, D: 2, X: []float64{0, 10, 1, 5}}, nil); !strings.Contains(s, "column 1's minimum 0 (50% of the rows)") || !strings.Contains(s, "column 2's maximum 10 (50% of the rows)") {
		t.Errorf("Describe: %q", s)
	}
}
