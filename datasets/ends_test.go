package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
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
		e := FindEnds(c.p, c.discrete, nil)
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
	if e := FindEnds(p, nil, nil); e.High[0] != 100 || len(e.Low) != 0 {
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
	if s := e.Describe(points.Points{N: 2, D: 2, X: []float64{0, 10, 1, 5}}, nil, nil); !strings.Contains(s, "column 1's minimum 0 (50% of the rows)") || !strings.Contains(s, "column 2's maximum 10 (50% of the rows)") {
		t.Errorf("Describe: %q", s)
	}
}

// A column whose rows crowd up to its ends (a uniform's) has walls there;
// a normal column's thin out, and a point mass is a mass, not a wall.
func TestFindWalls(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	uniform, normal := points.New(400, 1), points.New(400, 1)
	for i := range 400 {
		uniform.X[i], normal.X[i] = r.Float64(), r.NormFloat64()
	}
	small := points.New(20, 1) // 20 rows of a normal: one row near an end is no wall
	for i := range small.X {
		small.X[i] = r.NormFloat64()
	}
	for _, c := range []struct {
		name      string
		p         points.Points
		low, high bool
	}{
		{"uniform", uniform, true, true},
		{"normal", normal, false, false},
		{"20 rows of a normal", small, false, false},
		{"a half-normal from its end", column(400, 0, 0, 0, 8), true, false},
		{"a quarter of the rows at 0", column(400, 0.25, 0, 0, 1), false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := FindEnds(c.p, nil, nil)
			_, low := e.WallLow[0]
			_, high := e.WallHigh[0]
			if low != c.low || high != c.high {
				t.Errorf("walls %+v, want low %v, high %v", e, c.low, c.high)
			}
		})
	}
}

// A whole column's walls stand half a unit past its end values, at the
// edges of their cells, and are said at the values.
func TestWallsOfARoundedColumn(t *testing.T) {
	p := points.New(200, 1)
	for i := range p.X {
		p.X[i] = float64(1 + i%40) // 1 to 40, five of each: 2.5% at an end, no point mass
	}
	e := FindEnds(p, nil, Rounding(Whole{0}, nil))
	if e.WallLow[0] != 0.5 || e.WallHigh[0] != 40.5 {
		t.Fatalf("walls %+v, want 0.5 and 40.5", e)
	}
	if s := e.Describe(p, nil, nil); !strings.Contains(s, "column 1's maximum 40 (the wall at its cell's edge, 40.5)") {
		t.Errorf("Describe: %q", s)
	}
	// A value so far beyond a wall that its reflection would pass the
	// other is put just inside the wall it was beyond, and rounds onto the
	// end value, not past it.
	q := points.Points{N: 5, D: 1, X: []float64{40.3, 40.9, 0.2, 100, -100}}
	e.Snap(q)
	Whole{0}.Snap(q)
	if want := []float64{40, 40, 1, 40, 1}; !slices.Equal(q.X, want) {
		t.Errorf("snapped and rounded %v, want %v (within the end's cell: kept; beyond: reflected into it)", q.X, want)
	}
}

// Values beyond a wall are reflected back inside it, onto the wall where
// the reflection would pass the other one; values inside are left.
func TestWallsReflect(t *testing.T) {
	e := Ends{WallLow: map[int]float64{0: 0}, WallHigh: map[int]float64{0: 1, 1: 10}}
	p := points.Points{N: 4, D: 2, X: []float64{-0.25, 10.5, 1.25, 9, 0.5, 30, -3, 10}}
	if moved := e.Snap(p); moved != 5 {
		t.Errorf("moved %d values, want 5", moved)
	}
	want := []float64{0.25, 9.5, 0.75, 9, 0.5, -10, math.Nextafter(0, 1), 10}
	for i, v := range p.X {
		if v != want[i] {
			t.Fatalf("reflected %v, want %v", p.X, want)
		}
	}
	if s := e.Describe(points.Points{N: 2, D: 2, X: []float64{0, 5, 1, 10}}, nil, nil); !strings.Contains(s, "3 wall(s)") || !strings.Contains(s, "column 1's minimum 0, column 1's maximum 1, column 2's maximum 10") {
		t.Errorf("Describe: %q", s)
	}
}
