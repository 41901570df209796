package datasets

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

func near(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

// logMixture is log sum_k w_k N(x; mu_k, std^2 I) up to a constant, written
// out independently of Mixture.Score.
func logMixture(m *Mixture, x []float64) float64 {
	total := 0.0
	for k, mu := range m.Means {
		sq := 0.0
		for j := range x {
			sq += (x[j] - mu[j]) * (x[j] - mu[j])
		}
		total += m.Weights[k] * math.Exp(-sq/(2*m.Std*m.Std))
	}
	return math.Log(total)
}

func TestMixtureScoreMatchesFiniteDifferences(t *testing.T) {
	m, err := NewMixture([][]float64{{1, 0, -1}, {-2, 1, 0}, {0, 3, 1}}, []float64{0.5, 0.3, 0.2}, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	got, x := make([]float64, 3), make([]float64, 3)
	for trial := 0; trial < 20; trial++ {
		for j := range x {
			x[j] = 3 * rng.NormFloat64()
		}
		m.Score(got, x)
		for j := range x {
			const h = 1e-6
			old := x[j]
			x[j] = old + h
			up := logMixture(m, x)
			x[j] = old - h
			down := logMixture(m, x)
			x[j] = old
			if fd := (up - down) / (2 * h); !near(got[j], fd, 1e-6, 1e-6) {
				t.Errorf("x=%v, coordinate %d: score %v, finite difference %v", x, j, got[j], fd)
			}
		}
	}
	// Far from every component, responsibilities must not underflow to NaN.
	m.Score(got, []float64{1e3, -1e3, 1e3})
	for _, v := range got {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("score far away is %v", got)
		}
	}
}

func TestGaussianScoreAndSamples(t *testing.T) {
	mean := []float64{1, -2}
	cov := [][]float64{{2, 0.8}, {0.8, 1}}
	g, err := NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	// -Cov^{-1} (x - mean) with the 2x2 inverse written out.
	det := 2*1 - 0.8*0.8
	x := []float64{0.3, 0.7}
	dx, dy := x[0]-mean[0], x[1]-mean[1]
	want := []float64{-(1*dx - 0.8*dy) / det, -(-0.8*dx + 2*dy) / det}
	got := make([]float64, 2)
	g.Score(got, x)
	for j := range want {
		if !near(got[j], want[j], 1e-12, 1e-12) {
			t.Errorf("score[%d] = %v, want %v", j, got[j], want[j])
		}
	}
	p := NewPoints(200000, 2)
	g.Sample(p, rand.New(rand.NewPCG(3, 4)))
	m, c := p.Mean(), p.Covariance()
	// Standard errors at n = 2e5 are about 0.003 for these moments.
	for j := range mean {
		if !near(m[j], mean[j], 0.015, 0) {
			t.Errorf("sample mean[%d] = %v, want %v", j, m[j], mean[j])
		}
	}
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			if !near(c[2*a+b], cov[a][b], 0.03, 0) {
				t.Errorf("sample cov[%d][%d] = %v, want %v", a, b, c[2*a+b], cov[a][b])
			}
		}
	}
	wide := g.Perturbed(2).(*Gaussian)
	if wide.cov.At(0, 0) != 6 || wide.cov.At(0, 1) != 0.8 {
		t.Errorf("perturbed covariance %v, want cov + 4 I", wide.cov)
	}
}

func TestMixtureSamplesHaveTheWeights(t *testing.T) {
	m, err := NewMixture([][]float64{{5, 5}, {-5, -5}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPoints(50000, 2)
	m.Sample(p, rand.New(rand.NewPCG(5, 6)))
	near55 := 0
	for i := 0; i < p.N; i++ {
		if p.Row(i)[0]+p.Row(i)[1] > 0 {
			near55++
		}
	}
	// Binomial standard error sqrt(.8*.2/5e4) = 0.0018.
	if frac := float64(near55) / float64(p.N); !near(frac, 0.8, 0.01, 0) {
		t.Errorf("fraction near (5, 5) is %v, want 0.8", frac)
	}
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
	p := Points{N: 3, D: 2, X: []float64{0.1, 1.0 / 3, -2e-300, math.Pi, 5, math.MaxFloat64}}
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
		{write("ints.npy", []int64{1, 2, 3}), `.npy dtype "<i8", want float64 (<f8) or float32 (<f4)`},
		{write("rank1.npy", []float64{1, 2, 3}), ".npy shape (3,), want (n, D)"},
		{nan, `nan.csv: line 2, column 2: "NaN" is not finite; every value must be finite`},
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
	p := NewPoints(100, 2)
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
	for _, q := range []Points{train, valid} {
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
	n.ScoreToData(scores)
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
		p := NewPoints(1001, 3)
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
