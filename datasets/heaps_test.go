package datasets

import (
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/points"
)

// A column some of whose values are whole numbers and the rest not is
// heaped, with its share; one all whole, one rarely whole, one of a few
// whole values (point masses) and a discrete one are not.
func TestFindHeaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	column := func(n int, value func(i int) float64) points.Points {
		p := points.New(n, 1)
		for i := range n {
			p.X[i] = value(i)
		}
		return p
	}
	height := func(whole float64) func(int) float64 {
		return func(int) float64 {
			x := 66 + 4*rng.NormFloat64()
			if rng.Float64() < whole {
				return math.Round(x)
			}
			return x
		}
	}
	for _, c := range []struct {
		name     string
		p        points.Points
		discrete map[int][]float64
		whole    Whole
		places   Places
		want     float64 // 0: not heaped
	}{
		{"heights, 80% to the inch", column(1000, height(0.8)), nil, nil, nil, 0.8},
		{"a fifth to the inch", column(1000, height(0.2)), nil, nil, nil, 0.2},
		{"every one to the inch", column(1000, height(1)), nil, Whole{0}, nil, 0},
		{"a tenth to the inch", column(1000, height(0.1)), nil, nil, nil, 0},
		{"zeros and measures", column(1000, func(i int) float64 {
			if i%2 == 0 {
				return float64(i % 3)
			}
			return rng.Float64()
		}), nil, nil, nil, 0},
		{"discrete", column(1000, height(0.8)), map[int][]float64{0: {1, 2}}, nil, nil, 0},
		{"weights to the tenth, 60% whole", column(1000, func(int) float64 {
			x := math.Round(10*(66+4*rng.NormFloat64())) / 10
			if rng.Float64() < 0.6 {
				return math.Round(x)
			}
			return x
		}), nil, nil, Places{0: 1}, 0.64},
		{"weights to the tenth, whole by chance", column(1000, func(int) float64 { return math.Round(10*(66+4*rng.NormFloat64())) / 10 }), nil, nil, Places{0: 1}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := FindHeaps(c.p, c.discrete, c.whole, c.places)
			if got := h[0].Share; math.Abs(got-c.want) > 0.04 || (c.want == 0) != (len(h) == 0) {
				t.Errorf("heaped %v, want %v", h, c.want)
			}
		})
	}
}

// Round rounds a column's share of the rows, each row's draw its own:
// rows 5 and 6 come out the same drawn alone or among the others.
func TestHeapsRound(t *testing.T) {
	const n = 20000
	p := points.New(n, 2)
	chains := make([]int, n)
	for i := range n {
		p.X[2*i], p.X[2*i+1], chains[i] = 0.37+float64(i), 0.5+float64(i), i
	}
	alone := points.Points{N: 2, D: 2, X: append([]float64(nil), p.X[10:14]...)}
	h := Heaps{1: {Share: 0.3, Low: 0, High: 1e9}}
	h.Round(p, 7, chains)
	h.Round(alone, 7, []int{5, 6})
	rounded := 0
	for i := range n {
		if p.X[2*i] != 0.37+float64(i) {
			t.Fatalf("row %d: column 0, not heaped, moved to %v", i, p.X[2*i])
		}
		if x := p.X[2*i+1]; x == math.Trunc(x) {
			rounded++
		}
	}
	if share := float64(rounded) / n; math.Abs(share-0.3) > 0.01 {
		t.Errorf("%.3f of the rows rounded, want 0.3", share)
	}
	for k := range 4 {
		if alone.X[k] != p.X[10+k] {
			t.Errorf("rows 5 and 6 alone %v, among the others %v", alone.X, p.X[10:14])
			break
		}
	}
}

// A rounded sample stays inside its column's range: past a maximum of
// 90.6 it goes down, and with no whole number inside it stays as drawn.
func TestHeapsRoundInsideTheRange(t *testing.T) {
	p := points.Points{N: 3, D: 1, X: []float64{90.8, 50.2, 0.3}}
	Heaps{0: {Share: 1, Low: 50.1, High: 90.6}}.Round(p, 1, []int{0, 1, 2})
	if want := []float64{90, 51, 0.3}; p.X[0] != want[0] || p.X[1] != want[1] || p.X[2] != want[2] {
		t.Errorf("rounded %v, want %v", p.X, want)
	}
}
