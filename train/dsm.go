package train

import (
	"errors"

	"math/rand/v2"

	"scorenet/nn"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DSM is denoising score matching (Vincent 2011): the score of the data
// perturbed by N(0, sigma^2 I) is learned by regressing s(x + sigma z, sigma)
// on the score of the perturbation kernel, -z/sigma:
//
//	L = mean of [ lambda(sigma)/2 ||s(x + sigma z, sigma) + z/sigma||^2 ],
//	lambda(sigma) = sigma^2.
//
// dsm uses one noise level; anneal_dsm is the NCSN objective of Song &
// Ermon (2019), drawing each sample's level uniformly from a ladder so that
// the loss averages over all of them. lambda = sigma^2 makes every level's
// term of order 1, since ||z/sigma||^2 scales like 1/sigma^2.
type DSM struct {
	*graphLoss
	sigmas []float64
	target *tensor.Dense // -z/sigma, (batch, D)
	sigma  *tensor.Dense // (batch, 1); nil when the model is not noise-conditional
	noise  perturbation
}

func newDSM(m nn.Model, batch int, withGrads bool, sigmas []float64) (*DSM, error) {
	if len(sigmas) == 0 {
		return nil, errors.New("train: denoising score matching needs at least one noise level")
	}
	for _, s := range sigmas {
		if !(s > 0) {
			return nil, errors.New("train: noise levels must be > 0")
		}
	}
	l, err := newGraphLoss(m, batch)
	if err != nil {
		return nil, err
	}
	d := &DSM{graphLoss: l, sigmas: sigmas}
	x, w := l.bindBatch()
	var target, sigma *G.Node
	target, d.target = l.input("target", batch, m.Dim())
	if m.NoiseConditional() {
		sigma, d.sigma = l.input("sigma", batch, 1)
	}
	s, params, err := m.Score(x, sigma)
	if err != nil {
		return nil, err
	}
	l.params = params
	diff, err := G.Sub(s, target)
	if err != nil {
		return nil, err
	}
	loss, err := halfSquaredNorm(diff, w)
	if err != nil {
		return nil, err
	}
	if err := l.finish(loss, nil, nil, withGrads); err != nil {
		return nil, err
	}
	return d, nil
}

// perturbation is one batch's noise for denoising score matching.
type perturbation struct {
	x, target, weights []float64 // x + sigma z; -z/sigma; rowWeight sigma^2, per value
	sigmas             []float64 // per row
}

// perturb draws each row's noise level (uniformly from sigmas) and noise,
// in one fixed order, for rows points of x; rows beyond them up to batch
// are padding: zero, with zero weight and level 1. Both DSM and DSMMLP
// draw through it, so they see the same noise from the same source.
func perturb(p *perturbation, x []float64, dim, batch int, sigmas []float64, rowWeight float64, noise *rand.Rand) {
	if len(p.x) != batch*dim {
		p.x, p.target, p.weights = make([]float64, batch*dim), make([]float64, batch*dim), make([]float64, batch*dim)
		p.sigmas = make([]float64, batch)
	}
	rows := len(x) / dim
	clear(p.x)
	clear(p.target)
	clear(p.weights)
	for b := range p.sigmas {
		p.sigmas[b] = 1
	}
	for b := 0; b < rows; b++ {
		sigma := sigmas[0]
		if len(sigmas) > 1 {
			sigma = sigmas[noise.IntN(len(sigmas))]
		}
		p.sigmas[b] = sigma
		for j := 0; j < dim; j++ {
			z := noise.NormFloat64()
			k := b*dim + j
			p.x[k] = x[k] + sigma*z
			p.target[k] = -z / sigma
			p.weights[k] = rowWeight * sigma * sigma
		}
	}
}

// Evaluate perturbs x with noise drawn from noise and computes the loss.
func (d *DSM) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("train: denoising score matching needs a random source for its noise")
	}
	dim := d.model.Dim()
	if rows := len(x) / dim; len(x)%dim != 0 || rows > d.batch || rows == 0 {
		_, err := d.setBatch(x, rowWeight) // for its error
		return Terms{}, err
	}
	perturb(&d.noise, x, dim, d.batch, d.sigmas, rowWeight, noise)
	nn.SetData(d.x, d.noise.x)
	nn.SetData(d.target, d.noise.target)
	nn.SetData(d.w, d.noise.weights)
	d.rows = -1 // w no longer holds uniform row weights
	if d.sigma != nil {
		nn.SetData(d.sigma, d.noise.sigmas)
	}
	return d.run()
}
