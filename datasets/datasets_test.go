package datasets

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"scorenet/points"
	"slices"
	"strings"
	"testing"

	"github.com/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

func near(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

func TestToys(t *testing.T) {
	zero := 0.0
	radius := func(x, y float64) float64 { return math.Hypot(x, y) }
	cases := []struct {
		name  string
		check func(x, y float64) bool // holds for every noiseless point
	}{
		{"moons", func(x, y float64) bool {
			upper := near(radius(x, y), 1, 1e-9, 0) && y >= -1e-12
			lower := near(radius(x-1, y-0.5), 1, 1e-9, 0) && y <= 0.5+1e-12
			return upper || lower
		}},
		{"circles", func(x, y float64) bool {
			return near(radius(x, y), 1, 1e-9, 0) || near(radius(x, y), 0.5, 1e-9, 0)
		}},
		{"checkerboard", func(x, y float64) bool {
			return x >= -4 && x <= 4 && y >= -4 && y <= 4 && (int(math.Floor(x/2))+int(math.Floor(y/2)))%2 == 0
		}},
		{"eight_gaussians", func(x, y float64) bool { return near(radius(x, y), 2, 1e-9, 0) }},
		{"swiss_roll", func(x, y float64) bool {
			r := radius(x, y) * 5 // t, in [1.5 pi, 4.5 pi]
			return r >= 1.5*math.Pi-1e-9 && r <= 4.5*math.Pi+1e-9
		}},
		{"spirals", func(x, y float64) bool { return radius(x, y) <= math.Pi+1e-9 }},
		{"pinwheel", func(x, y float64) bool { return radius(x, y) < 2*(1+6*0.3)+2*6*0.1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := Spec{Name: c.name, N: 2000, Noise: &zero}
			p, dens, err := Generate(spec, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if dens != nil || p.N != 2000 || p.D != 2 {
				t.Fatalf("got %d x %d points, density %v", p.N, p.D, dens)
			}
			for i := 0; i < p.N; i++ {
				if !c.check(p.Row(i)[0], p.Row(i)[1]) {
					t.Fatalf("point %v is off the %s", p.Row(i), c.name)
				}
			}
			again, _, _ := Generate(spec, rand.New(rand.NewPCG(1, 1)))
			other, _, _ := Generate(spec, rand.New(rand.NewPCG(2, 1)))
			if !slices.Equal(p.X, again.X) {
				t.Error("the same seed gave different points")
			}
			if slices.Equal(p.X, other.X) {
				t.Error("different seeds gave the same points")
			}
			noisy, _, _ := Generate(Spec{Name: c.name, N: 10}, rand.New(rand.NewPCG(1, 1)))
			if err := noisy.CheckFinite(); err != nil {
				t.Error(err)
			}
		})
	}
	if got := len(Names()); got != len(cases)+5 { // + gaussian, gaussian_mixture, file, idx, images
		t.Errorf("Names lists %d data sets, the test covers %d toys + 5", got, len(cases))
	}
}

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []float64
		d    int
		err  string
	}{
		{"plain", "1,2\n3,4\n", []float64{1, 2, 3, 4}, 2, ""},
		{"header and comments", "# made by hand\nx,y\n1, 2\n3,4e-1\n", []float64{1, 2, 3, 0.4}, 2, ""},
		{"one column", "1\n-2.5\n", []float64{1, -2.5}, 1, ""},
		{"ragged", "1,2\n3,4,5\n", nil, 0, "line 2 has 3 columns, want 2"},
		{"non-numeric", "1,2\n3,abc\n", nil, 0, `line 2, column 2: "abc" is not a number`},
		{"an empty cell where every value is needed", "1,2\n3,\n", nil, 0, "line 2, column 2: an empty cell, a missing value, where every value is needed"},
		{"empty", "", nil, 0, "no data rows"},
		{"header only", "x,y\n", nil, 0, "no data rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ReadCSV(strings.NewReader(c.text))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("got error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.D != c.d || !slices.Equal(p.X, c.want) {
				t.Errorf("got %d columns %v, want %d columns %v", p.D, p.X, c.d, c.want)
			}
		})
	}
}

func TestFilesRoundTripAndRejectBadContent(t *testing.T) {
	dir := t.TempDir()
	p := points.Points{N: 3, D: 2, X: []float64{0.1, 1.0 / 3, -2e-300, math.Pi, 5, math.MaxFloat64}}
	for _, ext := range []string{".csv", ".npy"} {
		path := filepath.Join(dir, "points"+ext)
		if err := WriteFile(path, p); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.N != 3 || got.D != 2 || !slices.Equal(got.X, p.X) {
			t.Errorf("%s round trip: got %v, want %v exactly", ext, got.X, p.X)
		}
		written, _ := os.ReadFile(path)
		if b, err := Encode(path, p); err != nil || !bytes.Equal(b, written) {
			t.Errorf("%s: Encode gives %d bytes (%v), WriteFile wrote %d", ext, len(b), err, len(written))
		}
	}
	if _, err := Encode("points.txt", p); err == nil || !strings.Contains(err.Error(), `unknown extension ".txt"`) {
		t.Errorf("Encode of a .txt: %v", err)
	}
	if b, _ := Encode("p.csv", p); string(b) != "0.1,0.3333333333333333\n-2e-300,3.141592653589793\n5,1.7976931348623157e+308\n" {
		t.Errorf("CSV bytes %q", b)
	}
	write := func(name string, val any) string {
		var buf bytes.Buffer
		if err := npyio.Write(&buf, val); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		os.WriteFile(path, buf.Bytes(), 0o644)
		return path
	}
	nan := filepath.Join(dir, "nan.csv")
	os.WriteFile(nan, []byte("1,2\n3,NaN\n"), 0o644)
	cases := []struct{ path, want string }{
		{write("complex.npy", []complex128{1, 2, 3}), `.npy dtype "<c16", want a float (<f8, <f4), an integer (<i8, |u1, ...) or a bool (|b1)`},
		{write("rank1.npy", []float64{1, 2, 3}), ".npy shape (3,), want (n, D)"},
		{nan, `nan.csv: line 2, column 2: "NaN", a missing value, where every value is needed`},
		{write("nan.npy", mat.NewDense(2, 2, []float64{1, 2, math.Inf(1), 4})), "nan.npy: row 1, column 0 (counting from 0, as a[1, 0] in NumPy) is +Inf; every value must be finite"},
		{filepath.Join(dir, "points.txt"), `unknown extension ".txt"`},
		{filepath.Join(dir, "missing.csv"), "no such file"},
	}
	for _, c := range cases {
		if _, err := ReadFile(c.path); err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "datasets: ") {
			t.Errorf("%s: got %v, want an error containing %q", filepath.Base(c.path), err, c.want)
		}
	}
}

func TestSplitAndNormalizer(t *testing.T) {
	p := points.New(100, 2)
	for i := range p.X {
		p.X[i] = float64(i)
	}
	train, valid, err := Split(p, 0.25, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 75 || valid.N != 25 {
		t.Fatalf("split 100 points into %d + %d, want 75 + 25", train.N, valid.N)
	}
	seen := map[float64]bool{}
	for _, q := range []points.Points{train, valid} {
		for i := 0; i < q.N; i++ {
			seen[q.Row(i)[0]] = true
		}
	}
	if len(seen) != 100 {
		t.Errorf("the split holds %d distinct points, want all 100", len(seen))
	}
	if _, _, err := Split(p, 1, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("holdout 1 accepted")
	}
	n := FitNormalizer(train)
	z := n.Apply(train)
	m, c := z.Mean(), z.Covariance()
	for j := 0; j < 2; j++ {
		if !near(m[j], 0, 1e-12, 0) || !near(c[3*j], 1, 1e-12, 0) {
			t.Errorf("standardised coordinate %d has mean %v, variance %v", j, m[j], c[3*j])
		}
	}
	scores := []float64{1, 1}
	n.ScoreToData(scores, []float64{0, 0})
	if !near(scores[0], 1/n.Std[0], 0, 1e-15) {
		t.Errorf("score 1 in standard units is %v in data units, want 1/std = %v", scores[0], 1/n.Std[0])
	}
}

// Toys and densities are drawn from a seeded source: the same seed gives the
// same points on every machine.
func ExampleGenerate() {
	mean, cov := []float64{1, -2}, [][]float64{{2, 0.8}, {0.8, 1}}
	p, density, err := Generate(Spec{Name: "gaussian", N: 3, Mean: mean, Cov: cov}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	score := make([]float64, 2)
	density.Score(score, []float64{1, -2})
	fmt.Printf("%d points in R^%d; the true score at the mean is %v\n", p.N, p.D, score)
	// Output: 3 points in R^2; the true score at the mean is [0 0]
}

// SplitInPlace gives Split's two parts, value for value, in p's own storage.
func TestSplitInPlaceMatchesSplit(t *testing.T) {
	for _, holdout := range []float64{0, 0.1, 0.5} {
		p := points.New(1001, 3)
		for i := range p.X {
			p.X[i] = float64(i)
		}
		wantTrain, wantValid, err := Split(p, holdout, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		train, valid, err := SplitInPlace(p, holdout, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(train.X, wantTrain.X) || !slices.Equal(valid.X, wantValid.X) || &train.X[0] != &p.X[0] {
			t.Errorf("holdout %v: SplitInPlace differs from Split, or copied", holdout)
		}
	}
}
