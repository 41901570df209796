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

// Evaluate perturbs x with noise drawn from noise and computes the loss.
func (d *DSM) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("train: denoising score matching needs a random source for its noise")
	}
	dim := d.model.Dim()
	rows := len(x) / dim
	if len(x)%dim != 0 || rows > d.batch || rows == 0 {
		_, err := d.setBatch(x, rowWeight) // for its error
		return Terms{}, err
	}
	perturbed := make([]float64, d.batch*dim)
	target := make([]float64, d.batch*dim)
	weights := make([]float64, d.batch*dim)
	sigmas := make([]float64, d.batch)
	for b := range sigmas {
		sigmas[b] = 1 // padding rows: finite values under zero weight
	}
	for b := 0; b < rows; b++ {
		sigma := d.sigmas[0]
		if len(d.sigmas) > 1 {
			sigma = d.sigmas[noise.IntN(len(d.sigmas))]
		}
		sigmas[b] = sigma
		for j := 0; j < dim; j++ {
			z := noise.NormFloat64()
			k := b*dim + j
			perturbed[k] = x[k] + sigma*z
			target[k] = -z / sigma
			weights[k] = rowWeight * sigma * sigma
		}
	}
	nn.SetData(d.x, perturbed)
	nn.SetData(d.target, target)
	nn.SetData(d.w, weights)
	d.rows = -1 // w no longer holds uniform row weights
	if d.sigma != nil {
		nn.SetData(d.sigma, sigmas)
	}
	return d.run()
}
