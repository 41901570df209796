package plots

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"scorenet/datasets"
)

// Colours shared by every figure.
var (
	dataColor   = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	dataLight   = color.RGBA{R: 205, G: 205, B: 205, A: 255} // data under arrows, and data histograms
	sampleColor = []color.Color{
		color.RGBA{R: 31, G: 119, B: 180, A: 255},
		color.RGBA{R: 214, G: 39, B: 40, A: 255},
		color.RGBA{R: 44, G: 160, B: 44, A: 255},
	}
	arrowColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
)

// panelSide is the side of one square panel: 6.5 inches, 624 pixels.
const panelSide = 6.5 * vg.Inch

// Set is a named group of points to draw.
type Set struct {
	Name   string
	Points datasets.Points
}

// panel is one panel of a figure and the texts of its legend, which
// gonum/plot keeps to itself.
type panel struct {
	*plot.Plot
	legend []string
}

func newPanel(title, x, y string) *panel {
	return &panel{Plot: newPlot(title, x, y)}
}

func (p *panel) addLegend(name string, thumbs ...plot.Thumbnailer) {
	p.Legend.Add(name, thumbs...)
	p.legend = append(p.legend, name)
}

// Samples draws each set over the data, one panel per set (side by side,
// up to three in a row), on shared axes. Points of two or more dimensions are drawn as a scatter of
// their first two coordinates (the panels say which when there are more);
// 1-D points as the histogram of the set, density against x, over the
// data's histogram, in the same bins. The axes leave out the most extreme
// percent of the points, and the legend says how many of a set fall
// outside them (non-finite points among them). Every set must have the
// data's dimension; data may be empty.
func Samples(path, title string, data datasets.Points, sets ...Set) error {
	panels, err := samplePanels(data, sets)
	if err != nil {
		return err
	}
	return savePanels(path, title, panels, panelSide)
}

// samplePanels builds the panels of Samples.
func samplePanels(data datasets.Points, sets []Set) ([]*panel, error) {
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
	all := append([]datasets.Points{data}, pointsOf(sets)...)
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
func histogramPanels(data datasets.Points, sets []Set, all []datasets.Points) ([]*panel, error) {
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
func histogram(pts datasets.Points, lo, hi float64, bins int) ([]float64, outside) {
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

// outside counts the points of a set a figure leaves out: beyond its axes
// or, among those, not finite.
type outside struct{ n, nonFinite int }

// legendName is what a set of n points is called in a legend: its name
// and, when the axes leave some of it out, how many, like
// "samples (12 of 1000 outside the axes)"; samples shown whole say their
// count, "samples (1000)", data its name alone.
func legendName(name string, out outside, n int) string {
	switch {
	case out.n == 0 && name == "data":
		return name
	case out.n == 0:
		return fmt.Sprintf("%s (%d)", name, n)
	case out.nonFinite > 0:
		return fmt.Sprintf("%s (%d of %d outside the axes, %d of them not finite)", name, out.n, n, out.nonFinite)
	}
	return fmt.Sprintf("%s (%d of %d outside the axes)", name, out.n, n)
}

// MinGrid and MaxGrid bound the arrows per side of ScoreField's lattice.
const MinGrid, MaxGrid = 2, 200

// ScoreFunc is the score at points x (row-major, 2 coordinates each) at
// noise level sigma.
type ScoreFunc func(dst, x []float64, sigma float64) error

// ScoreField draws the 2-D score field as arrows on a grid x grid lattice
// (MinGrid <= grid <= MaxGrid) over box = [xmin, xmax, ymin, ymax], one
// panel per noise level (one panel with sigma 0 for scores without
// levels), on top of the data drawn light underneath. Arrow length grows
// with the score's magnitude, scaled per panel so the longest arrows reach
// about one grid cell. A panel's title says how many data points lie
// outside the box, if any.
func ScoreField(path, title string, score ScoreFunc, levels []float64, box [4]float64, grid int, data datasets.Points) error {
	if grid < MinGrid || grid > MaxGrid {
		return fmt.Errorf("plots: a score field of %d arrows per side: want %d to %d", grid, MinGrid, MaxGrid)
	}
	if !(box[0] < box[1] && box[2] < box[3]) || !finite(box[0]) || !finite(box[1]) || !finite(box[2]) || !finite(box[3]) {
		return fmt.Errorf("plots: score field box %v is not a box", box)
	}
	if data.N > 0 && data.D != 2 {
		return fmt.Errorf("plots: a score field is 2-D, the data has %d coordinates", data.D)
	}
	if len(levels) == 0 {
		levels = []float64{0}
	}
	xs := make([]float64, 0, 2*grid*grid)
	for i := 0; i < grid; i++ {
		for j := 0; j < grid; j++ {
			xs = append(xs, box[0]+(box[1]-box[0])*(float64(j)+0.5)/float64(grid),
				box[2]+(box[3]-box[2])*(float64(i)+0.5)/float64(grid))
		}
	}
	cell := math.Min(box[1]-box[0], box[3]-box[2]) / float64(grid)
	lo, hi := [2]float64{box[0], box[2]}, [2]float64{box[1], box[3]}
	panels := make([]*panel, len(levels))
	for k, sigma := range levels {
		s := make([]float64, len(xs))
		if err := score(s, xs, sigma); err != nil {
			return err
		}
		name := "learned score"
		if sigma > 0 {
			name = fmt.Sprintf("sigma = %.3g", sigma)
		}
		p := newPanel(name, "x1", "x2")
		if data.N > 0 {
			sc, out, err := scatter(data, lo, hi, dataLight, 1)
			if err != nil {
				return err
			}
			p.Add(sc) // first, so the arrows are drawn over it
			if out.n > 0 {
				p.Title.Text += fmt.Sprintf(" (%d of %d data points outside the axes)", out.n, data.N)
			}
		}
		p.Add(&quiver{at: xs, dir: s, length: cell * 0.9})
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = box[0], box[1], box[2], box[3]
		panels[k] = p
	}
	return savePanels(path, title, panels, panelSide)
}

// Curve is a named line of (step, value) points.
type Curve struct {
	Name         string
	Steps, Value []float64
}

// LossCurves draws the curves against the training step in one panel.
func LossCurves(path, title string, curves ...Curve) error {
	return Lines(path, title, "step", "loss", false, curves...)
}

// Lines draws the curves, x against y, in one panel; logY puts y on a
// log scale.
func Lines(path, title, xLabel, yLabel string, logY bool, curves ...Curve) error {
	p := newPlot(title, xLabel, yLabel)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	for i, c := range curves {
		if len(c.Steps) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(c.Steps))
		for k := range xy {
			xy[k].X, xy[k].Y = c.Steps[k], c.Value[k]
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("plots: %w", err)
		}
		l.Color = sampleColor[i%len(sampleColor)]
		l.Width = vg.Points(1.5)
		dots, err := plotter.NewScatter(xy)
		if err != nil {
			return fmt.Errorf("plots: %w", err)
		}
		dots.GlyphStyle.Color = l.Color
		dots.GlyphStyle.Radius = vg.Points(2)
		p.Add(l, dots)
		p.Legend.Add(c.Name, l)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	if err := p.Save(7*vg.Inch, 4.5*vg.Inch, path); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	return p
}

// scatter draws the points of pts (their first two coordinates, or the
// first on y = 0) that lie in the box [lo, hi], and counts the rest.
func scatter(pts datasets.Points, lo, hi [2]float64, c color.Color, radius float64) (*plotter.Scatter, outside, error) {
	var out outside
	xy := make(plotter.XYs, 0, pts.N)
	for i := 0; i < pts.N; i++ {
		row := pts.Row(i)
		var pt plotter.XY
		pt.X = row[0]
		if pts.D > 1 {
			pt.Y = row[1]
		}
		switch {
		case !finite(pt.X) || !finite(pt.Y):
			out.n++
			out.nonFinite++
		case pt.X < lo[0] || pt.X > hi[0] || pt.Y < lo[1] || pt.Y > hi[1]:
			out.n++
		default:
			xy = append(xy, pt)
		}
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, out, fmt.Errorf("plots: %w", err)
	}
	sc.GlyphStyle.Color = c
	sc.GlyphStyle.Radius = vg.Points(radius)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	return sc, out, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func pointsOf(sets []Set) []datasets.Points {
	out := make([]datasets.Points, len(sets))
	for i, s := range sets {
		out[i] = s.Points
	}
	return out
}

// bounds is a box around the 1st-99th percentiles of every set's finite
// first two coordinates, widened by a tenth, so a few stray samples do not
// squash the picture.
func bounds(sets ...datasets.Points) (lo, hi [2]float64) {
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

// savePanels writes the panels, each side square, under a title: side by
// side up to three, else in rows of ceil(sqrt(n)).
func savePanels(path, title string, panels []*panel, side vg.Length) error {
	const titleHeight = vg.Length(28)
	cols := len(panels)
	if cols > 3 {
		cols = int(math.Ceil(math.Sqrt(float64(len(panels)))))
	}
	rows := (len(panels) + cols - 1) / cols
	width, height := side*vg.Length(cols), side*vg.Length(rows)+titleHeight
	img := vgimg.New(width, height)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	heading := plot.New()
	heading.Title.Text = title
	heading.Title.TextStyle.Font.Size = vg.Points(16)
	heading.HideAxes()
	heading.Draw(draw.Crop(dc, 0, 0, height-titleHeight, 0))
	body := draw.Crop(dc, 0, 0, 0, -titleHeight)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(8), PadY: vg.Points(8), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	for _, p := range panels {
		if len(p.legend) > 0 {
			p.Add(backdrop{})
		}
	}
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for c := range grid[r] {
			if k := r*cols + c; k < len(panels) {
				grid[r][c] = panels[k].Plot
			}
		}
	}
	canvases := plot.Align(grid, tiles, body)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	return f.Close()
}

// backdrop whitens, mostly, the box under a legend at the top left of the
// data, so that its text reads over the points. gonum/plot draws the legend
// after every plotter, so the backdrop is added last.
type backdrop struct{}

func (backdrop) Plot(c draw.Canvas, p *plot.Plot) {
	// Legend.Rectangle places a left legend at the right: take its size only.
	size := p.Legend.Rectangle(c).Size()
	m := vg.Points(4)
	x0, x1 := c.Min.X-m, c.Min.X+size.X+m
	y0, y1 := c.Max.Y-size.Y-m, c.Max.Y+vg.Points(1) // not over the title above
	c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 215}, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
}

// quiver draws an arrow from each point in at along its direction in dir,
// scaled so the 95th-percentile magnitude is length long (longer ones are
// drawn at 1.5 length).
type quiver struct {
	at, dir []float64
	length  float64
}

func (q *quiver) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	mags := make([]float64, 0, len(q.dir)/2)
	for i := 0; i+1 < len(q.dir); i += 2 {
		mags = append(mags, math.Hypot(q.dir[i], q.dir[i+1]))
	}
	sorted := append([]float64(nil), mags...)
	sort.Float64s(sorted)
	ref := sorted[len(sorted)*95/100]
	if !(ref > 0) {
		return
	}
	style := draw.LineStyle{Color: arrowColor, Width: vg.Points(1.2)}
	for k, m := range mags {
		if !(m > 0) {
			continue
		}
		x, y := q.at[2*k], q.at[2*k+1]
		scale := q.length * math.Min(m/ref, 1.5) / m
		dx, dy := q.dir[2*k]*scale, q.dir[2*k+1]*scale
		tip := vg.Point{X: trX(x + dx), Y: trY(y + dy)}
		c.StrokeLine2(style, trX(x), trY(y), tip.X, tip.Y)
		// Head: two short strokes back from the tip at +-25 degrees.
		ang := math.Atan2(float64(tip.Y-trY(y)), float64(tip.X-trX(x)))
		for _, side := range []float64{-1, 1} {
			a := ang + math.Pi - side*0.44
			c.StrokeLine2(style, tip.X, tip.Y, tip.X+vg.Length(5*math.Cos(a)), tip.Y+vg.Length(5*math.Sin(a)))
		}
	}
}

func (q *quiver) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := 0; i+1 < len(q.at); i += 2 {
		xmin, xmax = math.Min(xmin, q.at[i]), math.Max(xmax, q.at[i])
		ymin, ymax = math.Min(ymin, q.at[i+1]), math.Max(ymax, q.at[i+1])
	}
	return
}
