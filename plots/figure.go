package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"scorenet/internal/safefile"
	"scorenet/points"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	return p
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
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	if err := safefile.Write(path, buf.Bytes()); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
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

// maxDrawn bounds the points one scatter draws: more add nothing a figure
// shows, and the plotting library's copies of millions of them ran out of
// memory. Beyond it every k-th point is drawn (the first included).
const maxDrawn = 20000

// scatter draws the points of pts (their first two coordinates, or the
// first on y = 0) that lie in the box [lo, hi], at most maxDrawn of them
// evenly thinned, and counts the rest.
func scatter(pts points.Points, lo, hi [2]float64, c color.Color, radius float64) (*plotter.Scatter, outside, error) {
	var out outside
	stride := (pts.N + maxDrawn - 1) / maxDrawn
	xy := make(plotter.XYs, 0, min(pts.N, maxDrawn))
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
		case i%stride == 0:
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
