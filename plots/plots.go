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
	sampleColor = []color.Color{
		color.RGBA{R: 31, G: 119, B: 180, A: 255},
		color.RGBA{R: 214, G: 39, B: 40, A: 255},
		color.RGBA{R: 44, G: 160, B: 44, A: 255},
	}
	arrowColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
)

// Set is a named group of points to draw.
type Set struct {
	Name   string
	Points datasets.Points
}

// Samples draws each set as a scatter over the data (grey), one panel per
// set side by side, on shared axes. Points of more than two dimensions show
// their first two coordinates.
func Samples(path, title string, data datasets.Points, sets ...Set) error {
	if len(sets) == 0 {
		return fmt.Errorf("plots: no samples to draw")
	}
	panels := make([]*plot.Plot, len(sets))
	lo, hi := bounds(append([]datasets.Points{data}, pointsOf(sets)...)...)
	for i, s := range sets {
		p := newPlot(s.Name, "x1", "x2")
		if data.N > 0 {
			sc, err := scatter(data, dataColor, 1)
			if err != nil {
				return err
			}
			p.Add(sc)
			p.Legend.Add("data", sc)
		}
		sc, err := scatter(s.Points, sampleColor[i%len(sampleColor)], 1.2)
		if err != nil {
			return err
		}
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("samples (%d)", s.Points.N), sc)
		p.Legend.Top, p.Legend.Left = true, true
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo[0], hi[0], lo[1], hi[1]
		panels[i] = p
	}
	return savePanels(path, title, panels, 5*vg.Inch)
}

// ScoreFunc is the score at points x (row-major, 2 coordinates each) at
// noise level sigma.
type ScoreFunc func(dst, x []float64, sigma float64) error

// ScoreField draws the 2-D score field as arrows on a grid x grid lattice
// over box = [xmin, xmax, ymin, ymax], one panel per noise level (one panel
// with sigma 0 for scores without levels), over the data. Arrow length
// grows with the score's magnitude, scaled per panel so the longest
// arrows reach about one grid cell.
func ScoreField(path, title string, score ScoreFunc, levels []float64, box [4]float64, grid int, data datasets.Points) error {
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
	panels := make([]*plot.Plot, len(levels))
	for k, sigma := range levels {
		s := make([]float64, len(xs))
		if err := score(s, xs, sigma); err != nil {
			return err
		}
		name := "learned score"
		if sigma > 0 {
			name = fmt.Sprintf("sigma = %.3g", sigma)
		}
		p := newPlot(name, "x1", "x2")
		if data.N > 0 {
			sc, err := scatter(data, dataColor, 0.8)
			if err != nil {
				return err
			}
			p.Add(sc)
		}
		p.Add(&quiver{at: xs, dir: s, length: cell * 0.9})
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = box[0], box[1], box[2], box[3]
		panels[k] = p
	}
	return savePanels(path, title, panels, 4*vg.Inch)
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

func scatter(pts datasets.Points, c color.Color, radius float64) (*plotter.Scatter, error) {
	xy := make(plotter.XYs, pts.N)
	for i := range xy {
		row := pts.Row(i)
		xy[i].X = row[0]
		if pts.D > 1 {
			xy[i].Y = row[1]
		}
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	sc.GlyphStyle.Color = c
	sc.GlyphStyle.Radius = vg.Points(radius)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	return sc, nil
}

func pointsOf(sets []Set) []datasets.Points {
	out := make([]datasets.Points, len(sets))
	for i, s := range sets {
		out[i] = s.Points
	}
	return out
}

// bounds is a box around the 1st-99th percentiles of every set's first two
// coordinates, widened by a tenth, so a few stray samples do not squash
// the picture.
func bounds(sets ...datasets.Points) (lo, hi [2]float64) {
	for axis := 0; axis < 2; axis++ {
		var v []float64
		for _, p := range sets {
			if p.D <= axis {
				continue
			}
			for i := 0; i < p.N; i++ {
				v = append(v, p.Row(i)[axis])
			}
		}
		if len(v) == 0 {
			lo[axis], hi[axis] = -1, 1
			continue
		}
		sort.Float64s(v)
		a, b := v[len(v)/100], v[len(v)-1-len(v)/100]
		pad := math.Max(0.1*(b-a), 1e-3)
		lo[axis], hi[axis] = a-pad, b+pad
	}
	return lo, hi
}

// savePanels writes the panels side by side under a title.
func savePanels(path, title string, panels []*plot.Plot, side vg.Length) error {
	const titleHeight = vg.Length(28)
	width, height := side*vg.Length(len(panels)), side+titleHeight
	img := vgimg.New(width, height)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	heading := plot.New()
	heading.Title.Text = title
	heading.Title.TextStyle.Font.Size = vg.Points(16)
	heading.HideAxes()
	heading.Draw(draw.Crop(dc, 0, 0, side, 0))
	body := draw.Crop(dc, 0, 0, 0, -titleHeight)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Points(8), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, body)
	for i, p := range panels {
		p.Draw(canvases[0][i])
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
	style := draw.LineStyle{Color: arrowColor, Width: vg.Points(1)}
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
			c.StrokeLine2(style, tip.X, tip.Y, tip.X+vg.Length(4*math.Cos(a)), tip.Y+vg.Length(4*math.Sin(a)))
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
