package plots

import (
	"fmt"
	"math"
	"scorenet/points"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Set is a named group of points to draw.
type Set struct {
	Name   string
	Points points.Points
}

// Samples draws each set over the data, one panel per set (side by side,
// up to three in a row), on shared axes. Points of two or more dimensions are drawn as a scatter of
// their first two coordinates (the panels say which when there are more);
// 1-D points as the histogram of the set, density against x, over the
// data's histogram, in the same bins. The axes leave out the most extreme
// percent of the points, and the legend says how many of a set fall
// outside them (non-finite points among them). Every set must have the
// data's dimension; data may be empty.
func Samples(path, title string, data points.Points, sets ...Set) error {
	panels, err := samplePanels(data, sets)
	if err != nil {
		return err
	}
	return savePanels(path, title, panels, panelSide)
}

// samplePanels builds the panels of Samples.
func samplePanels(data points.Points, sets []Set) ([]*panel, error) {
	if len(sets) == 0 {
		return nil, fmt.Errorf("plots: no samples to draw")
	}
	dim, whose := 0, "the data's"
	if data.N > 0 {
		dim = data.D
	}
	for _, s := range sets {
		if s.Points.N == 0 {
			continue
		}
		if dim == 0 {
			dim, whose = s.Points.D, fmt.Sprintf("samples %q", s.Name)
		}
		if s.Points.D != dim {
			return nil, fmt.Errorf("plots: samples %q have %d coordinates, %s have %d", s.Name, s.Points.D, whose, dim)
		}
	}
	if dim < 1 {
		return nil, fmt.Errorf("plots: no points to draw (the data and every set of samples are empty)")
	}
	all := append([]points.Points{data}, pointsOf(sets)...)
	if dim == 1 {
		return histogramPanels(data, sets, all)
	}
	lo, hi := bounds(all...)
	note := ""
	if dim > 2 {
		note = fmt.Sprintf(" (coordinates 1 and 2 of %d)", dim)
	}
	panels := make([]*panel, len(sets))
	for i, s := range sets {
		p := newPanel(s.Name+note, "x1", "x2")
		if data.N > 0 {
			sc, out, err := scatter(data, lo, hi, dataColor, 1)
			if err != nil {
				return nil, err
			}
			p.Add(sc)
			p.addLegend(legendName("data", out, data.N), sc)
		}
		sc, out, err := scatter(s.Points, lo, hi, sampleColor[i%len(sampleColor)], 1.2)
		if err != nil {
			return nil, err
		}
		p.Add(sc)
		p.addLegend(legendName("samples", out, s.Points.N), sc)
		p.Legend.Top, p.Legend.Left = true, true
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo[0], hi[0], lo[1], hi[1]
		panels[i] = p
	}
	return panels, nil
}

// histogramPanels draws 1-D sets as density histograms over the data's,
// all in the same bins: the data filled in light grey, each set as a
// coloured outline on top.
func histogramPanels(data points.Points, sets []Set, all []points.Points) ([]*panel, error) {
	lo, hi := bounds(all...)
	smallest := 0
	for _, p := range all {
		if p.N > 0 && (smallest == 0 || p.N < smallest) {
			smallest = p.N
		}
	}
	// Rice's rule, 2 n^(1/3) bins for the smallest set, within 10 to 60.
	bins := min(max(int(math.Round(2*math.Cbrt(float64(smallest)))), 10), 60)
	dataBins, dataOut := histogram(data, lo[0], hi[0], bins)
	setBins := make([][]float64, len(sets))
	setOut := make([]outside, len(sets))
	top := maxOf(dataBins)
	for i, s := range sets {
		setBins[i], setOut[i] = histogram(s.Points, lo[0], hi[0], bins)
		top = math.Max(top, maxOf(setBins[i]))
	}
	if !(top > 0) {
		top = 1
	}
	width := (hi[0] - lo[0]) / float64(bins)
	panels := make([]*panel, len(sets))
	for i, s := range sets {
		p := newPanel(s.Name, "x", "density")
		if data.N > 0 {
			h := &plotter.Histogram{Width: width, FillColor: dataLight}
			h.LineStyle = draw.LineStyle{Color: dataLight, Width: vg.Points(0.5)}
			for k, v := range dataBins {
				a := lo[0] + width*float64(k)
				h.Bins = append(h.Bins, plotter.HistogramBin{Min: a, Max: a + width, Weight: v})
			}
			p.Add(h)
			p.addLegend(legendName("data", dataOut, data.N), h)
		}
		// The outline of the set's bars, as one line along their tops.
		xy := plotter.XYs{{X: lo[0], Y: 0}}
		for k, v := range setBins[i] {
			a := lo[0] + width*float64(k)
			xy = append(xy, plotter.XY{X: a, Y: v}, plotter.XY{X: a + width, Y: v})
		}
		xy = append(xy, plotter.XY{X: hi[0], Y: 0})
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		l.Color = sampleColor[i%len(sampleColor)]
		l.Width = vg.Points(2)
		p.Add(l)
		p.addLegend(legendName("samples", setOut[i], s.Points.N), l)
		p.Legend.Top, p.Legend.Left = true, true
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo[0], hi[0], 0, 1.08*top
		panels[i] = p
	}
	return panels, nil
}

// histogram is the density of pts's first coordinate in bins equal bins
// over [lo, hi], as a fraction of all the points (those outside included,
// so every set's bars have the area of its share inside), and what falls
// outside.
func histogram(pts points.Points, lo, hi float64, bins int) ([]float64, outside) {
	h := make([]float64, bins)
	var out outside
	if pts.N == 0 {
		return h, out
	}
	width := (hi - lo) / float64(bins)
	for i := 0; i < pts.N; i++ {
		x := pts.Row(i)[0]
		if !finite(x) {
			out.n++
			out.nonFinite++
			continue
		}
		if x < lo || x > hi {
			out.n++
			continue
		}
		h[min(int((x-lo)/width), bins-1)]++
	}
	for k := range h {
		h[k] /= float64(pts.N) * width
	}
	return h, out
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func pointsOf(sets []Set) []points.Points {
	out := make([]points.Points, len(sets))
	for i, s := range sets {
		out[i] = s.Points
	}
	return out
}

// bounds is a box around the 1st-99th percentiles of every set's finite
// first two coordinates, widened by a tenth, so a few stray samples do not
// squash the picture.
func bounds(sets ...points.Points) (lo, hi [2]float64) {
	for axis := 0; axis < 2; axis++ {
		var v []float64
		for _, p := range sets {
			if p.D <= axis {
				continue
			}
			for i := 0; i < p.N; i++ {
				if x := p.Row(i)[axis]; finite(x) {
					v = append(v, x)
				}
			}
		}
		if len(v) == 0 {
			lo[axis], hi[axis] = -1, 1
			continue
		}
		sort.Float64s(v)
		a, b := v[len(v)/100], v[len(v)-1-len(v)/100]
		pad := math.Max(0.1*(b-a), 1e-3*math.Max(1, math.Max(math.Abs(a), math.Abs(b))))
		lo[axis], hi[axis] = a-pad, b+pad
	}
	return lo, hi
}

// MaxRows bounds the rows of a point set that a figure is drawn from.
const MaxRows = 100000

// Thin is p, or every k-th of its rows when it has more than MaxRows: what
// a figure drawn over the training data copies into data units stays
// bounded whatever the data's size (a training figure over 20 million
// points ran out of memory).
func Thin(p points.Points) points.Points {
	if p.N <= MaxRows {
		return p
	}
	k := (p.N + MaxRows - 1) / MaxRows
	out := points.Points{D: p.D, X: make([]float64, 0, (p.N/k+1)*p.D)}
	for i := 0; i < p.N; i += k {
		out.X = append(out.X, p.Row(i)...)
		out.N++
	}
	return out
}
