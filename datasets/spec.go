package datasets

import (
	"fmt"
	"math/rand/v2"
	"scorenet/density"
	"scorenet/points"
	"sort"
)

// Spec names a data set and its parameters; which fields matter depends on Name.
type Spec struct {
	Name string // gaussian, gaussian_mixture, file, or a toy (see Names)
	N    int    // points to draw (synthetic data sets)

	Mean []float64   // gaussian
	Cov  [][]float64 // gaussian

	Means   [][]float64 // gaussian_mixture
	Weights []float64   // gaussian_mixture
	Std     float64     // gaussian_mixture

	Noise *float64 // toys: overrides the toy's default noise
	Path  string   // file: a .csv or .npy of shape (n, D)
}

// Names lists every data set Generate knows, sorted.
func Names() []string {
	names := []string{"gaussian", "gaussian_mixture", "file", "idx", "images"}
	for n := range toys {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Generate draws (or reads) the data set s with rng. The density is non-nil
// exactly when the data set's score is known in closed form.
func Generate(s Spec, rng *rand.Rand) (points.Points, density.Density, error) {
	if s.Name != "file" && s.N < 1 {
		return points.Points{}, nil, fmt.Errorf("datasets: %s needs n >= 1 points, got %d", s.Name, s.N)
	}
	var (
		dens density.Density
		err  error
	)
	switch s.Name {
	case "file":
		p, err := ReadFile(s.Path)
		return p, nil, err
	case "gaussian":
		dens, err = density.NewGaussian(s.Mean, s.Cov)
	case "gaussian_mixture":
		dens, err = density.NewMixture(s.Means, s.Weights, s.Std)
	default:
		t, ok := toys[s.Name]
		if !ok {
			return points.Points{}, nil, fmt.Errorf("datasets: unknown data set %q (known: %v)", s.Name, Names())
		}
		noise := t.defaultNoise
		if s.Noise != nil {
			noise = *s.Noise
		}
		return sampleToy(t, s.N, noise, rng), nil, nil
	}
	if err != nil {
		return points.Points{}, nil, err
	}
	p := points.New(s.N, dens.Dim())
	dens.Sample(p, rng)
	return p, dens, nil
}
