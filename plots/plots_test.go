package plots

import (
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

func TestFiguresAreReadablePNGs(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("SCORENET_PLOT_DIR"); d != "" {
		dir = d // to look at them
	}
	for _, path := range render(t, dir) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
			t.Errorf("%s is %dx%d pixels, too small to read", path, b.Dx(), b.Dy())
		}
	}
}
