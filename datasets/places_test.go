package datasets

import (
	"strings"
	"testing"

	"scorenet/points"
)

// A column written to a few decimal places, or in tens, has them found;
// a measurement's full precision, a whole column and a constant one do
// not.
func TestFindPlaces(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		places int
		found  bool
	}{
		{"to the cent", []float64{5.73, 1.2, 19.99, 0.05}, 2, true},
		{"to a tenth", []float64{51.1, 4.9, 63.3, 7}, 1, true},
		{"four places", []float64{0.1234, 0.0001, 0.5}, 4, true},
		{"a refractive index to five places", []float64{1.52101, 1.51761, 1.51618, 1.5202}, 5, true},
		{"six places", []float64{0.123456, 0.5, 0.25}, 6, true},
		{"seven places", []float64{0.1234567, 0.5, 0.25}, 0, false},
		{"in tens", []float64{8500, 740, 900, 10700, 930}, -1, true},
		{"in hundreds", []float64{120000, 300, -50000}, -2, true},
		{"a tenth, coarse against the spread", []float64{2.1, 2.5, 3.9, 3}, 0, false},
		{"tens, coarse against the spread", []float64{850, 740, 900, 1070, 930}, 0, false},
		{"full precision", []float64{0.123456789, 0.5}, 0, false},
		{"whole numbers", []float64{1999, 2001, 2003}, 0, false},
		{"constant", []float64{2.5, 2.5}, 0, false},
		{"zeros and tens of thousands", []float64{0, 0, 10000}, 0, false},
		{"counts near 1.2e13", []float64{12346666566666, 12346666566667, 12346666000001}, 0, false},
		{"cents near 1.2e10", []float64{12346913469.12, 12346913469.13, 12300000000.5}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := points.Points{N: len(c.values), D: 1, X: c.values}
			got := FindPlaces(p, nil)
			k, found := got[0]
			if found != c.found || k != c.places {
				t.Errorf("places %v, want %d found %v", got, c.places, c.found)
			}
		})
	}
	if got := FindPlaces(points.Points{N: 3, D: 1, X: []float64{1.5, 2.5, 3}}, map[int][]float64{0: {1.5, 2.5, 3}}); len(got) != 0 {
		t.Errorf("a discrete column: places %v, want none (it snaps to its values)", got)
	}
}

// Samples are rounded to their column's places, written as the decimal
// (not 0.30000000000000004), and never as -0.
func TestPlacesSnap(t *testing.T) {
	pl := Places{0: 2, 1: -1}
	p := points.Points{N: 3, D: 2, X: []float64{0.30499, 847, -0.004, 855, 5.734829, -3}}
	pl.Snap(p)
	want := []float64{0.3, 850, 0, 860, 5.73, 0}
	for i, v := range p.X {
		if v != want[i] {
			t.Fatalf("rounded %v, want %v", p.X, want)
		}
	}
	if got := string(appendNumber(nil, p.X[0])); got != "0.3" {
		t.Errorf("0.30499 to 2 places written %q", got)
	}
	if s := pl.Describe(nil, nil); !strings.Contains(s, "1 to 2 place(s), 2 to 10s") {
		t.Errorf("Describe: %q", s)
	}
}
