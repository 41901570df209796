package plots

import (
	"fmt"
	"math"
	"scorenet/points"
	"scorenet/score"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MinGrid and MaxGrid bound the arrows per side of ScoreField's lattice.
const MinGrid, MaxGrid = 2, 200

// ScoreField draws the 2-D score field as arrows on a grid x grid lattice
// (MinGrid <= grid <= MaxGrid) over box = [xmin, xmax, ymin, ymax], one
// panel per noise level (one panel with sigma 0 for scores without
// levels), on top of the data drawn light underneath. Arrow length grows
// with the score's magnitude, scaled per panel so the longest arrows reach
// about one grid cell. A panel's title says how many data points lie
// outside the box, if any.
func ScoreField(path, title string, field score.Func, levels []float64, box [4]float64, grid int, data points.Points) error {
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
		if err := field(s, xs, sigma); err != nil {
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
