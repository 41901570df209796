package datasets_test

import (
	"math"
	"slices"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// Columns of whole numbers are found among those not discrete, and
// samples of them are rounded.
func TestFindWholeAndSnap(t *testing.T) {
	const n = 50
	cols := []struct {
		name  string
		value func(i int) float64
		whole bool
	}{
		{"years", func(i int) float64 { return float64(1900 + i) }, true},
		{"negative counts", func(i int) float64 { return float64(-3 * i) }, true},
		{"tenths", func(i int) float64 { return float64(i) / 10 }, false},
		{"a constant", func(int) float64 { return 4 }, false},
		{"discrete", func(i int) float64 { return float64(i % 2) }, false},
		{"beyond 2^53", func(i int) float64 { return math.Ldexp(1, 60) * float64(i) }, false},
		{"whole but one", func(i int) float64 { return float64(i) + map[bool]float64{true: 0.5}[i == 7] }, false},
	}
	p := points.New(n, len(cols))
	for i := range n {
		for j, c := range cols {
			p.X[i*p.D+j] = c.value(i)
		}
	}
	discrete := map[int][]float64{4: {0, 1}}
	got := datasets.FindWhole(p, discrete)
	var want datasets.Whole
	for j, c := range cols {
		if c.whole {
			want = append(want, j)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("FindWhole = %v, want %v (columns %v)", got, want, cols)
	}
	s := points.New(2, len(cols))
	for i := range s.X {
		s.X[i] = 0.6 * float64(i+1)
	}
	s.X[0] = -0.3 // rounds to 0, not -0, which a CSV writes as "-0"
	got.Snap(s)
	if math.Signbit(s.X[0]) {
		t.Errorf("-0.3 rounded to -0")
	}
	s.X[0] = 1
	for i := range s.N {
		for j := range s.D {
			x, wholeCol := s.X[i*s.D+j], slices.Contains(got, j)
			if wholeCol && x != math.Round(x) || !wholeCol && x != 0.6*float64(i*s.D+j+1) {
				t.Errorf("sample %d, column %d (%s): %v after Snap", i, j+1, cols[j].name, x)
			}
		}
	}
}
