package plots

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"scorenet/density"
	"scorenet/points"
	"strings"
	"testing"
)

// render draws every figure into dir and returns their paths.
func render(t *testing.T, dir string) []string {
	t.Helper()
	m, err := density.NewMixture([][]float64{{5, 5}, {-5, -5}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	data := points.New(2000, 2)
	m.Sample(data, rand.New(rand.NewPCG(1, 1)))
	samples := points.New(500, 2)
	m.Sample(samples, rand.New(rand.NewPCG(2, 2)))
	score := func(dst, x []float64, sigma float64) error {
		p := m.Perturbed(sigma)
		for i := 0; i < len(x); i += 2 {
			p.Score(dst[i:i+2], x[i:i+2])
		}
		return nil
	}
	paths := []string{filepath.Join(dir, "samples.png"), filepath.Join(dir, "field.png"), filepath.Join(dir, "loss.png")}
	if err := Samples(paths[0], "mixture: samples over data", data, Set{"annealed", samples}, Set{"plain", samples}); err != nil {
		t.Fatal(err)
	}
	if err := ScoreField(paths[1], "score field", score, []float64{20, 3, 1}, [4]float64{-9, 9, -9, 9}, 20, data); err != nil {
		t.Fatal(err)
	}
	steps := []float64{100, 200, 300, 400}
	if err := LossCurves(paths[2], "loss", Curve{"train", steps, []float64{3, 2, 1.5, 1.4}}, Curve{"valid", steps[1:], []float64{2.1, 1.6, 1.5}}); err != nil {
		t.Fatal(err)
	}
	return paths
}

// minDrawn is the least fraction of a figure's pixels that must differ from
// its background, and minColour the least fraction that must be drawn in
// each colour the figure uses for its data: the three figures of render
// have 5% to 14% drawn and about 0.2% or more in each colour; axes, labels
// and a legend alone stay well below both.
const minDrawn, minColour = 0.02, 0.001

// readPNG decodes the PNG file at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// checkDrawn says why img does not look drawn: too few pixels differ from
// its background (its most common colour), or too few are close to one of
// the colours in want. Anti-aliasing blends edges into the background, so
// close means within 30 (of 255) in every channel.
func checkDrawn(img image.Image, want ...color.Color) error {
	b := img.Bounds()
	total := b.Dx() * b.Dy()
	if total == 0 {
		return fmt.Errorf("no pixels")
	}
	count := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	var background color.RGBA
	for c, n := range count {
		if n > count[background] {
			background = c
		}
	}
	if drawn := 1 - float64(count[background])/float64(total); drawn < minDrawn {
		return fmt.Errorf("%.2f%% of pixels differ from the background %v, want at least %.0f%%", 100*drawn, background, 100*minDrawn)
	}
	near := func(a, b uint8) bool { return int(a)-int(b) < 30 && int(b)-int(a) < 30 }
	for _, w := range want {
		w := color.RGBAModel.Convert(w).(color.RGBA)
		n := 0
		for c, k := range count {
			if near(c.R, w.R) && near(c.G, w.G) && near(c.B, w.B) {
				n += k
			}
		}
		if frac := float64(n) / float64(total); frac < minColour {
			return fmt.Errorf("%.3f%% of pixels are drawn in %v, want at least %.1f%%", 100*frac, w, 100*minColour)
		}
	}
	return nil
}

func TestFiguresAreReadablePNGs(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("SCORENET_PLOT_DIR"); d != "" {
		dir = d // to look at them
	}
	// The colours of the data each figure draws, in render's order: the
	// data and two sample sets; arrows over the data drawn light; two loss
	// curves.
	colours := [][]color.Color{{dataColor, sampleColor[0], sampleColor[1]}, {arrowColor, dataLight}, sampleColor[:2]}
	for i, path := range render(t, dir) {
		img := readPNG(t, path)
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
			t.Errorf("%s is %dx%d pixels, too small to read", path, b.Dx(), b.Dy())
		}
		if err := checkDrawn(img, colours[i]...); err != nil {
			t.Errorf("%s is missing what it should draw: %v", path, err)
		}
	}
}

// checkDrawn must reject a blank figure of the right size, and one with
// plenty drawn but none of it in the data's colours.
func TestCheckDrawnRejectsBlankFigures(t *testing.T) {
	for _, tc := range []struct {
		name string
		fill func(*image.RGBA)
	}{
		{"blank", func(*image.RGBA) {}},
		{"grey only", func(img *image.RGBA) {
			draw.Draw(img, image.Rect(0, 0, 400, 600), image.NewUniform(dataColor), image.Point{}, draw.Src)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 800, 600))
			draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
			tc.fill(img)
			path := filepath.Join(t.TempDir(), "figure.png")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := checkDrawn(readPNG(t, path), sampleColor[:2]...); err == nil {
				t.Errorf("checkDrawn accepted a %s 800x600 figure", tc.name)
			} else {
				t.Logf("rejected: %v", err)
			}
		})
	}
}

// fractionNear is the fraction of img's pixels within 30 of c in every
// channel, and the fraction of its rows holding at least one.
func fractionNear(img image.Image, c color.Color) (pixels, rows float64) {
	w := color.RGBAModel.Convert(c).(color.RGBA)
	near := func(a, b uint8) bool { return int(a)-int(b) < 30 && int(b)-int(a) < 30 }
	b := img.Bounds()
	n, r := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		inRow := false
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if near(p.R, w.R) && near(p.G, w.G) && near(p.B, w.B) {
				n++
				inRow = true
			}
		}
		if inRow {
			r++
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy()), float64(r) / float64(b.Dy())
}

// mixture1D is n points of 0.8 N(5, 1) + 0.2 N(-5, 1).
func mixture1D(n int, seed uint64) points.Points {
	r := rand.New(rand.NewPCG(seed, seed))
	p := points.New(n, 1)
	for i := range p.X {
		p.X[i] = r.NormFloat64() - 5
		if r.Float64() < 0.8 {
			p.X[i] += 10
		}
	}
	return p
}

// 1-D samples are drawn as a histogram over the data's: bars that rise
// over many rows of pixels, not points along a line on a made-up x2 axis.
func TestSamples1DFigureIsHistograms(t *testing.T) {
	data, samples := mixture1D(2000, 1), mixture1D(1000, 2)
	path := filepath.Join(t.TempDir(), "samples.png")
	if err := Samples(path, "1-D", data, Set{"annealed", samples}); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	if err := checkDrawn(img, sampleColor[0], dataLight); err != nil {
		t.Errorf("1-D samples figure: %v", err)
	}
	if _, rows := fractionNear(img, sampleColor[0]); rows < 0.3 {
		t.Errorf("the samples' colour is in %.0f%% of the rows, want a histogram's outline over at least 30%%", 100*rows)
	}
	if px, _ := fractionNear(img, dataLight); px < 0.03 {
		t.Errorf("%.1f%% of the pixels are the data's bars, want at least 3%%", 100*px)
	}

	panels, err := samplePanels(data, []Set{{"annealed", samples}})
	if err != nil {
		t.Fatal(err)
	}
	p := panels[0]
	if p.X.Label.Text != "x" || p.Y.Label.Text != "density" || len(p.legend) != 2 ||
		p.legend[0] != "data" || !strings.HasPrefix(p.legend[1], "samples (") {
		t.Errorf("1-D panel: axes %q and %q, legend %q; want x, density and a legend for data and samples", p.X.Label.Text, p.Y.Label.Text, p.legend)
	}
	// Densities: a set's bars have the area of its share inside the axes.
	bins, out := histogram(data, p.X.Min, p.X.Max, 20)
	area, outside := 0.0, 0
	for _, v := range bins {
		area += v * (p.X.Max - p.X.Min) / 20
	}
	for _, x := range data.X {
		if x < p.X.Min || x > p.X.Max {
			outside++
		}
	}
	if want := 1 - float64(outside)/float64(data.N); math.Abs(area-want) > 1e-9 || out.n != outside {
		t.Errorf("the data's bars have area %g with %d outside, want the share inside the axes %g and %d outside", area, out.n, want, outside)
	}
}

// Points of more than two dimensions show coordinates 1 and 2, and say so.
func TestSamplesFigureNamesTheCoordinatesItShows(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	data, samples := points.New(500, 5), points.New(300, 5)
	for _, p := range []points.Points{data, samples} {
		for i := range p.X {
			p.X[i] = r.NormFloat64()
		}
	}
	panels, err := samplePanels(data, []Set{{"annealed", samples}, {"plain", samples}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range panels {
		if p.X.Label.Text != "x1" || p.Y.Label.Text != "x2" || !strings.Contains(p.Title.Text, "coordinates 1 and 2 of 5") {
			t.Errorf("5-D panel %q with axes %q, %q; want x1, x2 and the title saying coordinates 1 and 2 of 5", p.Title.Text, p.X.Label.Text, p.Y.Label.Text)
		}
	}
	path := filepath.Join(t.TempDir(), "samples.png")
	if err := Samples(path, "5-D", data, Set{"annealed", samples}); err != nil {
		t.Fatal(err)
	}
	if err := checkDrawn(readPNG(t, path), dataColor, sampleColor[0]); err != nil {
		t.Errorf("5-D samples figure: %v", err)
	}
	// 2-D figures need no such note.
	flat := points.Points{N: 250, D: 2, X: data.X[:500]}
	panels, err = samplePanels(flat, []Set{{"annealed", flat}})
	if err != nil {
		t.Fatal(err)
	}
	if panels[0].Title.Text != "annealed" {
		t.Errorf("2-D panel title %q, want the set's name alone", panels[0].Title.Text)
	}
}

// When the axes leave points out, the legend says how many; stray and
// non-finite samples do not stop the figure.
func TestSamplesFigureCountsPointsOutsideTheAxes(t *testing.T) {
	for _, dim := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(dim, "-D"), func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			data, samples := points.New(2000, dim), points.New(1000, dim)
			for _, p := range []points.Points{data, samples} {
				for i := range p.X {
					p.X[i] = r.NormFloat64()
				}
			}
			for i := 0; i < 12; i++ { // far strays beyond the 99th percentile
				samples.Row(i)[0] = 1e6 * float64(i+1)
			}
			samples.Row(12)[min(dim, 2)-1] = math.NaN() // a coordinate on the axes
			samples.Row(13)[0] = math.Inf(-1)
			panels, err := samplePanels(data, []Set{{"plain", samples}})
			if err != nil {
				t.Fatal(err)
			}
			p := panels[0]
			outside := func(pts points.Points) int {
				n := 0
				for i := 0; i < pts.N; i++ {
					x, y := pts.Row(i)[0], 0.0
					if dim > 1 {
						y = pts.Row(i)[1]
					}
					if !(x >= p.X.Min && x <= p.X.Max) || (dim > 1 && !(y >= p.Y.Min && y <= p.Y.Max)) {
						n++
					}
				}
				return n
			}
			nd, ns := outside(data), outside(samples)
			if ns < 14 {
				t.Fatalf("only %d samples outside the axes [%g, %g]; the test wants at least its 14 strays", ns, p.X.Min, p.X.Max)
			}
			wantData := "data"
			if nd > 0 {
				wantData = fmt.Sprintf("data (%d of 2000 outside the axes)", nd)
			}
			want := []string{wantData, fmt.Sprintf("samples (%d of 1000 outside the axes, 2 of them not finite)", ns)}
			if fmt.Sprint(p.legend) != fmt.Sprint(want) {
				t.Errorf("legend %q, want %q", p.legend, want)
			}
			path := filepath.Join(t.TempDir(), "samples.png")
			if err := Samples(path, "strays", data, Set{"plain", samples}); err != nil {
				t.Fatalf("Samples with strays and non-finite samples: %v", err)
			}
		})
	}
	// Nothing outside: the legend gives the count alone.
	pts := points.Points{N: 3, D: 2, X: []float64{0, 0, 1, 1, 2, 2}}
	panels, err := samplePanels(points.Points{}, []Set{{"s", pts}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(panels[0].legend) != "[samples (3)]" {
		t.Errorf("legend %q, want [samples (3)]", panels[0].legend)
	}
}

func TestSamplesRefusesMismatchedOrMissingPoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "samples.png")
	two, three := points.New(10, 2), points.New(10, 3)
	for _, tc := range []struct {
		name string
		data points.Points
		sets []Set
		want string
	}{
		{"no sets", two, nil, "no samples"},
		{"dimensions", two, []Set{{"s", three}}, `samples "s" have 3 coordinates, the data's have 2`},
		{"all empty", points.Points{}, []Set{{"s", points.Points{}}}, "no points to draw"},
	} {
		err := Samples(path, "t", tc.data, tc.sets...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// The score field's panels are large enough to read, and its arrows are
// drawn over the data, which is drawn light underneath.
func TestScoreFieldFigureIsLargeWithArrowsOverData(t *testing.T) {
	dir := t.TempDir()
	score := func(dst, x []float64, _ float64) error {
		for i := range x {
			dst[i] = -x[i]
		}
		return nil
	}
	box := [4]float64{-3, 3, -3, 3}
	// Data covering the whole box, densely.
	r := rand.New(rand.NewPCG(9, 9))
	dense := points.New(20000, 2)
	for i := range dense.X {
		dense.X[i] = -3 + 6*r.Float64()
	}
	var arrows [2]float64
	for k, data := range []points.Points{{}, dense} {
		path := filepath.Join(dir, fmt.Sprintf("field%d.png", k))
		if err := ScoreField(path, "field", score, nil, box, 20, data); err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, path)
		if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 600 {
			t.Errorf("a one-panel score field is %dx%d pixels, want at least 600 a side", b.Dx(), b.Dy())
		}
		arrows[k], _ = fractionNear(img, arrowColor)
		if data.N > 0 {
			if px, _ := fractionNear(img, dataLight); px < 0.05 {
				t.Errorf("%.1f%% of the field is the data's light colour, want the data drawn under the arrows", 100*px)
			}
		}
	}
	if arrows[1] < 0.9*arrows[0] {
		t.Errorf("arrows cover %.2f%% of the field over dense data, %.2f%% alone: the data hides them", 100*arrows[1], 100*arrows[0])
	}
	// Four levels: two by two panels, each at least 600 pixels a side.
	path := filepath.Join(dir, "field4.png")
	if err := ScoreField(path, "field", score, []float64{4, 2, 1, 0.5}, box, 12, dense); err != nil {
		t.Fatal(err)
	}
	if b := readPNG(t, path).Bounds(); b.Dx() < 1200 || b.Dy() < 1200 {
		t.Errorf("a four-panel score field is %dx%d pixels, want 2 x 2 panels of at least 600", b.Dx(), b.Dy())
	}
}

// A lattice of fewer than 2 or more than MaxGrid arrows a side is an error,
// not a panic or an unbounded allocation.
func TestScoreFieldRefusesBadGrids(t *testing.T) {
	path := filepath.Join(t.TempDir(), "field.png")
	score := func(dst, x []float64, _ float64) error { return nil }
	for _, grid := range []int{-5, 0, 1, MaxGrid + 1, 1000000} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("grid %d: panic %v", grid, r)
				}
			}()
			if err := ScoreField(path, "f", score, nil, [4]float64{-1, 1, -1, 1}, grid, points.Points{}); err == nil {
				t.Errorf("grid %d accepted", grid)
			}
		}()
	}
}
