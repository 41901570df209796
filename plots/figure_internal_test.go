package plots

import (
	"image/color"
	"testing"

	"scorenet/points"
)

// A scatter of more points than a figure shows draws maxDrawn of them,
// evenly, and still counts the points outside the axes among them all.
func TestScatterDrawsAtMostMaxDrawn(t *testing.T) {
	p := points.New(3*maxDrawn+7, 2)
	for i := range p.N {
		p.X[2*i], p.X[2*i+1] = float64(i%100), 1
	}
	p.X[2*5] = 1e9 // one outside
	sc, out, err := scatter(p, [2]float64{0, 0}, [2]float64{100, 2}, color.Black, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sc.XYs); n > maxDrawn || n < maxDrawn*3/4 {
		t.Errorf("drew %d of %d points, want about %d", n, p.N, maxDrawn)
	}
	if out.n != 1 {
		t.Errorf("%d outside, want 1", out.n)
	}
}
