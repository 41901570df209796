package plots

import (
	"bytes"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"scorenet/internal/safefile"
)

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
	// Rendered aside and renamed into place: a link at path is replaced,
	// never written through.
	w, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	if err := safefile.Write(path, buf.Bytes()); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}
