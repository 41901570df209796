package datasets

import (
	"fmt"
	"math"

	"scorenet/points"
)

// Grid says that a table's columns are the pixels of square grayscale
// images, row by row (a CSV of 8x8 digits, of 28x28 MNIST): their side,
// their largest value, and the evidence: Near, the smaller of a pixel's
// mean correlations with its neighbour across and its neighbour down, and
// Far, the larger of those with the pixels half the image across and half
// the image down (wrapping).
type Grid struct {
	Side      int
	MaxLevel  int
	Near, Far float64
}

// Bounds of PixelGrid's rule.
const (
	// MinGridSide: a table of 16, 25 or 36 integer columns is more often
	// answers to a questionnaire than an image.
	MinGridSide = 8
	// MinGridRows: the correlations of fewer rows are too noisy (0.1 at
	// 100 rows) to tell a layout by.
	MinGridRows = 100
	// MinGridContrast is the least Near - Far of images. Measured: 0.26
	// on scikit-learn's 8x8 digits (neighbours 0.32 across, 0.48 down) and
	// 0.51 on Fashion-MNIST; 0.00 on both with their columns shuffled and
	// on 64 answers driven by one common factor (each pair correlating
	// 0.47); -0.21 on rows of 64 readings of a smooth series, whose
	// neighbours across correlate 0.89 but those down, 8 readings apart,
	// 0.42, less than those half a row across (0.63).
	MinGridContrast = 0.15
	gridRows        = 2000 // the first rows measured: enough for a correlation to 0.03
)

// PixelGrid reports whether p's columns are the pixels of square
// grayscale images: at least MinGridSide on a side, MinGridRows of them,
// every value an integer from 0 to 255, not all 0, and each pixel
// correlating with its neighbours, across and down, by MinGridContrast
// more than with pixels half the image away, as an image's do and a
// table's columns in any order do not.
func PixelGrid(p points.Points) (Grid, bool) {
	side := int(math.Round(math.Sqrt(float64(p.D))))
	if side < MinGridSide || side*side != p.D || p.N < MinGridRows {
		return Grid{}, false
	}
	most := 0.0
	for _, v := range p.X {
		if v != math.Trunc(v) || v < 0 || v > 255 {
			return Grid{}, false
		}
		most = max(most, v)
	}
	if most == 0 {
		return Grid{}, false
	}
	rows := points.Points{N: min(p.N, gridRows), D: p.D, X: p.X[:min(p.N, gridRows)*p.D]}
	norm := FitNormalizer(rows)
	z := norm.Apply(rows)
	varies := make([]bool, p.D)
	for i, v := range z.X {
		varies[i%p.D] = varies[i%p.D] || v != 0
	}
	corr := func(a, b int) (float64, bool) {
		if !varies[a] || !varies[b] { // a constant pixel (a border) has none
			return 0, false
		}
		s := 0.0
		for i := range z.N {
			s += z.X[i*p.D+a] * z.X[i*p.D+b]
		}
		return s / float64(z.N), true
	}
	var across, down, farAcross, farDown meanOf
	for r := range side {
		for c := range side {
			at := r*side + c
			if c+1 < side {
				across.add(corr(at, at+1))
			}
			if r+1 < side {
				down.add(corr(at, at+side))
			}
			farAcross.add(corr(at, r*side+(c+side/2)%side))
			farDown.add(corr(at, ((r+side/2)%side)*side+c))
		}
	}
	if across.n == 0 || down.n == 0 || farAcross.n == 0 || farDown.n == 0 {
		return Grid{}, false
	}
	g := Grid{Side: side, MaxLevel: int(most), Near: min(across.mean(), down.mean()), Far: max(farAcross.mean(), farDown.mean())}
	return g, g.Near-g.Far >= MinGridContrast
}

// Describe says what the grid is and why, for the start-up lines.
func (g Grid) Describe() string {
	return fmt.Sprintf("%dx%d grayscale images of integer levels 0 to %d, row by row (a pixel correlates %.2f or more with its neighbours across and down, %.2f or less with pixels half the image away)",
		g.Side, g.Side, g.MaxLevel, g.Near, g.Far)
}

// meanOf is a running mean of the values given with ok.
type meanOf struct {
	sum float64
	n   int
}

func (m *meanOf) add(v float64, ok bool) {
	if ok {
		m.sum, m.n = m.sum+v, m.n+1
	}
}

func (m meanOf) mean() float64 { return m.sum / float64(max(m.n, 1)) }
