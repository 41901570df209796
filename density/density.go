// Package density holds distributions whose score is known in closed form
// (a Gaussian, a mixture of isotropic Gaussians): their samples, scores,
// log-densities and divergences, and the same seen through N(0, sigma^2 I)
// noise, as the score contract's functions for tests and -score analytic.
package density

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"scorenet/points"

	"gonum.org/v1/gonum/mat"
)

// Density is a distribution on R^D whose score is known in closed form.
type Density interface {
	Dim() int
	// Sample fills p with independent draws.
	Sample(p points.Points, rng *rand.Rand)
	// Score writes nabla_x log p(x) at x into dst.
	Score(dst, x []float64)
	// Perturbed returns the density of x + sigma*z, z ~ N(0, I): the data
	// distribution seen through the noise of denoising score matching.
	Perturbed(sigma float64) Density
}

// Gaussian is the normal distribution N(Mean, Cov).
type Gaussian struct {
	mean      []float64
	cov       *mat.SymDense
	chol      mat.Cholesky
	precision []float64 // Cov^{-1}, row-major, for the score's hot loop
}

// NewGaussian returns N(mean, cov); cov is D x D and must be symmetric
// positive definite.
func NewGaussian(mean []float64, cov [][]float64) (*Gaussian, error) {
	d := len(mean)
	if d == 0 {
		return nil, errors.New("density: gaussian mean is empty")
	}
	if len(cov) != d {
		return nil, fmt.Errorf("density: gaussian cov has %d rows, want %d (the length of mean)", len(cov), d)
	}
	s := mat.NewSymDense(d, nil)
	for i, row := range cov {
		if len(row) != d {
			return nil, fmt.Errorf("density: gaussian cov row %d has %d entries, want %d", i, len(row), d)
		}
		for j, v := range row {
			if cov[j][i] != v {
				return nil, fmt.Errorf("density: gaussian cov is not symmetric: [%d][%d]=%v but [%d][%d]=%v", i, j, v, j, i, cov[j][i])
			}
			s.SetSym(i, j, v)
		}
	}
	g := &Gaussian{mean: append([]float64(nil), mean...), cov: s}
	if ok := g.chol.Factorize(s); !ok {
		return nil, errors.New("density: gaussian cov is not positive definite")
	}
	var inv mat.SymDense
	if err := g.chol.InverseTo(&inv); err != nil {
		return nil, fmt.Errorf("density: gaussian cov cannot be inverted: %w", err)
	}
	g.precision = make([]float64, d*d)
	for i := range d {
		for j := range d {
			g.precision[i*d+j] = inv.At(i, j)
		}
	}
	return g, nil
}

func (g *Gaussian) Dim() int { return len(g.mean) }

func (g *Gaussian) Sample(p points.Points, rng *rand.Rand) {
	d := g.Dim()
	var l mat.TriDense
	g.chol.LTo(&l)
	z := make([]float64, d)
	for i := 0; i < p.N; i++ {
		for j := range z {
			z[j] = rng.NormFloat64()
		}
		row := p.Row(i)
		for a := 0; a < d; a++ {
			v := g.mean[a]
			for b := 0; b <= a; b++ {
				v += l.At(a, b) * z[b]
			}
			row[a] = v
		}
	}
}

// Score is -Cov^{-1} (x - Mean).
func (g *Gaussian) Score(dst, x []float64) {
	d := g.Dim()
	for i := range d {
		v := 0.0
		for j, p := range g.precision[i*d : (i+1)*d] {
			v += p * (g.mean[j] - x[j])
		}
		dst[i] = v
	}
}

// Perturbed is N(Mean, Cov + sigma^2 I).
func (g *Gaussian) Perturbed(sigma float64) Density {
	d := g.Dim()
	cov := make([][]float64, d)
	for i := range cov {
		cov[i] = make([]float64, d)
		for j := range cov[i] {
			cov[i][j] = g.cov.At(i, j)
		}
		cov[i][i] += sigma * sigma
	}
	p, err := NewGaussian(g.mean, cov)
	if err != nil {
		panic(err) // adding sigma^2 I keeps the matrix positive definite
	}
	return p
}

// Mixture is sum_k Weights[k] N(Means[k], Std^2 I).
type Mixture struct {
	Means   [][]float64
	Weights []float64
	Std     float64
}

// NewMixture checks the parameters of an isotropic Gaussian mixture.
func NewMixture(means [][]float64, weights []float64, std float64) (*Mixture, error) {
	if len(means) == 0 {
		return nil, errors.New("density: gaussian_mixture has no means")
	}
	if len(weights) != len(means) {
		return nil, fmt.Errorf("density: gaussian_mixture has %d weights for %d means", len(weights), len(means))
	}
	d := len(means[0])
	sum := 0.0
	for k, m := range means {
		if len(m) != d || d == 0 {
			return nil, fmt.Errorf("density: gaussian_mixture mean %d has length %d, want %d", k, len(m), d)
		}
		if weights[k] < 0 {
			return nil, fmt.Errorf("density: gaussian_mixture weight %d is negative (%v)", k, weights[k])
		}
		sum += weights[k]
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("density: gaussian_mixture weights sum to %v, want 1", sum)
	}
	if !(std > 0) {
		return nil, fmt.Errorf("density: gaussian_mixture std must be > 0, got %v", std)
	}
	return &Mixture{Means: means, Weights: weights, Std: std}, nil
}

func (m *Mixture) Dim() int { return len(m.Means[0]) }

func (m *Mixture) Sample(p points.Points, rng *rand.Rand) {
	for i := 0; i < p.N; i++ {
		k := m.component(rng.Float64())
		for j, mu := range m.Means[k] {
			p.Row(i)[j] = mu + m.Std*rng.NormFloat64()
		}
	}
}

func (m *Mixture) component(u float64) int {
	for k, w := range m.Weights {
		if u < w {
			return k
		}
		u -= w
	}
	return len(m.Weights) - 1
}

// Score is sum_k r_k(x) (Means[k] - x) / Std^2, with responsibilities r_k
// computed in log space so far-away points do not underflow.
func (m *Mixture) Score(dst, x []float64) {
	d := m.Dim()
	logr := make([]float64, len(m.Means))
	top := math.Inf(-1)
	for k, mu := range m.Means {
		sq := 0.0
		for j := range d {
			sq += (x[j] - mu[j]) * (x[j] - mu[j])
		}
		logr[k] = math.Log(m.Weights[k]) - sq/(2*m.Std*m.Std)
		top = math.Max(top, logr[k])
	}
	total := 0.0
	for k := range logr {
		logr[k] = math.Exp(logr[k] - top)
		total += logr[k]
	}
	for j := range d {
		dst[j] = 0
	}
	for k, mu := range m.Means {
		r := logr[k] / total
		for j := range d {
			dst[j] += r * (mu[j] - x[j]) / (m.Std * m.Std)
		}
	}
}

// Perturbed widens every component to std sqrt(Std^2 + sigma^2).
func (m *Mixture) Perturbed(sigma float64) Density {
	return &Mixture{Means: m.Means, Weights: m.Weights, Std: math.Sqrt(m.Std*m.Std + sigma*sigma)}
}

// LogDensity is log N(x; Mean, Cov).
func (g *Gaussian) LogDensity(x []float64) float64 {
	d := g.Dim()
	diff := make([]float64, d)
	for j := range diff {
		diff[j] = x[j] - g.mean[j]
	}
	quad := 0.0
	for i := range d {
		for j, p := range g.precision[i*d : (i+1)*d] {
			quad += diff[i] * p * diff[j]
		}
	}
	return -0.5*(float64(d)*math.Log(2*math.Pi)+g.chol.LogDet()) - quad/2
}

// ScoreDivergence is tr(d score/dx) = -tr(Cov^{-1}), the same everywhere.
func (g *Gaussian) ScoreDivergence([]float64) float64 {
	d, tr := g.Dim(), 0.0
	for i := range d {
		tr -= g.precision[i*d+i]
	}
	return tr
}

// logResponsibilities are log w_k N(x; Means[k], Std^2 I) up to the shared
// constant, their maximum, and log of the sum of their exponentials.
func (m *Mixture) logResponsibilities(x []float64) (logr []float64, logSum float64) {
	logr = make([]float64, len(m.Means))
	top := math.Inf(-1)
	for k, mu := range m.Means {
		sq := 0.0
		for j, v := range mu {
			sq += (x[j] - v) * (x[j] - v)
		}
		logr[k] = math.Log(m.Weights[k]) - sq/(2*m.Std*m.Std)
		top = math.Max(top, logr[k])
	}
	total := 0.0
	for _, l := range logr {
		total += math.Exp(l - top)
	}
	return logr, top + math.Log(total)
}

// LogDensity is log sum_k w_k N(x; Means[k], Std^2 I).
func (m *Mixture) LogDensity(x []float64) float64 {
	_, logSum := m.logResponsibilities(x)
	d := float64(m.Dim())
	return logSum - d/2*math.Log(2*math.Pi*m.Std*m.Std)
}

// ScoreDivergence is tr(d score/dx): with s_k = (Means[k] - x)/Std^2 and
// responsibilities r_k, sum_k r_k (||s_k||^2 - D/Std^2) - ||sum_k r_k s_k||^2.
func (m *Mixture) ScoreDivergence(x []float64) float64 {
	logr, logSum := m.logResponsibilities(x)
	d, v := m.Dim(), m.Std*m.Std
	mean := make([]float64, d)
	out := 0.0
	for k, mu := range m.Means {
		r := math.Exp(logr[k] - logSum)
		sq := 0.0
		for j := range d {
			s := (mu[j] - x[j]) / v
			sq += s * s
			mean[j] += r * s
		}
		out += r * (sq - float64(d)/v)
	}
	for _, s := range mean {
		out -= s * s
	}
	return out
}
