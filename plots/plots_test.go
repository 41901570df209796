package plots

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"scorenet/datasets"
)

// render draws every figure into dir and returns their paths.
func render(t *testing.T, dir string) []string {
	t.Helper()
	m, err := datasets.NewMixture([][]float64{{5, 5}, {-5, -5}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	data := datasets.NewPoints(2000, 2)
	m.Sample(data, rand.New(rand.NewPCG(1, 1)))
	samples := datasets.NewPoints(500, 2)
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
	// The colours of the data each figure draws, in render's order: two
	// sample sets, arrows, two loss curves.
	colours := [][]color.Color{sampleColor[:2], {arrowColor}, sampleColor[:2]}
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
