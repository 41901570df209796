package datasets_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// strokes draws n images of side s, integer levels 0..top: a bright bar
// of random position, length and direction on a dark ground, as a digit's
// stroke is, so that neighbouring pixels share their ink.
func strokes(n, s, top int, seed uint64) points.Points {
	r := rand.New(rand.NewPCG(seed, 1))
	p := points.New(n, s*s)
	for i := range n {
		img := p.Row(i)
		r0, c0, length := r.IntN(s), r.IntN(s), 2+r.IntN(s/2)
		across := r.IntN(2) == 0
		for k := range length {
			rr, cc := r0, c0+k
			if !across {
				rr, cc = r0+k, c0
			}
			for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}} { // a bar two pixels thick
				if y, x := rr+d[0], cc+d[1]; y < s && x < s {
					img[y*s+x] = float64(top - r.IntN(top/4+1))
				}
			}
		}
	}
	return p
}

// The rule finds images by their pixels' neighbours, and nothing else.
func TestPixelGrid(t *testing.T) {
	shuffled := func(p points.Points) points.Points {
		perm := rand.New(rand.NewPCG(9, 9)).Perm(p.D)
		out := points.New(p.N, p.D)
		for i := range p.N {
			for j, k := range perm {
				out.X[i*p.D+j] = p.X[i*p.D+k]
			}
		}
		return out
	}
	scaled := func(p points.Points, f float64) points.Points {
		out := points.New(p.N, p.D)
		for i, v := range p.X {
			out.X[i] = v * f
		}
		return out
	}
	oneFactor := func(n, d int) points.Points { // answers that all correlate, in no layout
		r := rand.New(rand.NewPCG(3, 3))
		p := points.New(n, d)
		for i := range n {
			f := r.NormFloat64()
			for j := range d {
				p.X[i*d+j] = math.Max(0, math.Min(4, math.Round(2+f+r.NormFloat64())))
			}
		}
		return p
	}
	series := func(n int) points.Points { // rows of 64 readings of a smooth series, levels 0-255
		r := rand.New(rand.NewPCG(4, 4))
		p := points.New(n, 64)
		for i := range n {
			y := 0.0
			for j := range 64 {
				y = 0.9*y + r.NormFloat64()
				p.X[i*64+j] = math.Max(0, math.Min(255, math.Round(100+13*y)))
			}
		}
		return p
	}
	cases := []struct {
		name   string
		p      points.Points
		images bool
		side   int
	}{
		{"8x8 strokes, levels 0-16", strokes(1500, 8, 16, 1), true, 8},
		{"28x28 strokes, levels 0-255", strokes(800, 28, 255, 2), true, 28},
		{"8x8 strokes, columns shuffled", shuffled(strokes(1500, 8, 16, 1)), false, 0},
		{"8x8 strokes scaled to [0, 1]: not integer levels", scaled(strokes(1500, 8, 16, 1), 1.0/16), false, 0},
		{"8x8 strokes at 1000 times: beyond 8 bits", scaled(strokes(1500, 8, 16, 1), 1000), false, 0},
		{"7x7 strokes: too small", strokes(1500, 7, 16, 3), false, 0},
		{"64 correlated answers 0-4", oneFactor(1000, 64), false, 0},
		{"64 readings of a smooth series", series(1500), false, 0},
		{"8x8 strokes, 99 rows: too few", strokes(99, 8, 16, 1), false, 0},
		{"all zero", points.New(100, 64), false, 0},
		{"65 columns", points.New(100, 65), false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, ok := datasets.PixelGrid(c.p)
			if ok != c.images || (ok && g.Side != c.side) {
				t.Errorf("images %v (%+v), want %v of side %d", ok, g, c.images, c.side)
			}
			if ok && g.Near-g.Far < datasets.MinGridContrast {
				t.Errorf("found with contrast %.2f", g.Near-g.Far)
			}
		})
	}
}
