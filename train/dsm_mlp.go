package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"scorenet/nn"
)

// DSMMLP is denoising score matching (dsm, anneal_dsm) for a float64 MLP,
// written out by hand: the loss of DSM with the same noise from the same
// source (tested to 1e-12), by one forward pass and ordinary backprop
// through buffers allocated once. DSM stays the reference.
type DSMMLP struct {
	*mlpLayers
	batch  int
	sigmas []float64
	noise  perturbation
	ga, gz [][]float64
}

// NewDSMMLP prepares the dsm or anneal_dsm loss of m for batches of up to
// batch points, with noise levels sigmas.
func NewDSMMLP(m *nn.MLP, batch int, sigmas []float64) (*DSMMLP, error) {
	if batch < 1 || len(sigmas) == 0 {
		return nil, errors.New("train: denoising score matching needs batch >= 1 and a noise level")
	}
	layers, err := newMLPLayers(m)
	if err != nil {
		return nil, err
	}
	d := &DSMMLP{mlpLayers: layers, batch: batch, sigmas: sigmas}
	L := len(d.w)
	d.allocForward(batch)
	d.ga, d.gz = make([][]float64, L+1), make([][]float64, L+1)
	for l := 1; l < L; l++ {
		d.ga[l], d.gz[l] = make([]float64, batch*d.widths[l]), make([]float64, batch*d.widths[l])
	}
	d.gz[L] = make([]float64, batch*m.Dim())
	return d, nil
}

// Batch is the largest number of points Evaluate takes.
func (d *DSMMLP) Batch() int { return d.batch }

// Evaluate perturbs x with noise drawn from noise, computes the loss and
// its parameter gradients.
func (d *DSMMLP) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("train: denoising score matching needs a random source for its noise")
	}
	D, L, in := d.mlp.Dim(), len(d.w), d.widths[0]
	n := len(x) / D
	if len(x)%D != 0 || n < 1 || n > d.batch {
		return Terms{}, fmt.Errorf("train: %d values are not 1 to %d points of dimension %d", len(x), d.batch, D)
	}
	perturb(&d.noise, x, D, d.batch, d.sigmas, rowWeight, noise)
	conditional := d.mlp.NoiseConditional()
	for r := 0; r < n; r++ {
		copy(d.a[0][r*in:r*in+D], d.noise.x[r*D:(r+1)*D])
		if conditional {
			d.a[0][r*in+D] = math.Log(d.noise.sigmas[r])
		}
	}
	d.flops = 0

	d.forward(n)

	// Loss: 1/2 sum weights (s - target)^2, s = out (/ sigma when conditional),
	// and its gradient with respect to out.
	loss := 0.0
	gout := d.gz[L][:n*D]
	for k := 0; k < n*D; k++ {
		s, scale := d.out[k], 1.0
		if conditional {
			scale = 1 / d.noise.sigmas[k/D]
			s *= scale
		}
		r := s - d.noise.target[k]
		loss += d.noise.weights[k] * r * r / 2
		gout[k] = d.noise.weights[k] * r * scale
	}

	// Backprop.
	d.clearGrads()
	g := gout
	for l := L; l >= 1; l-- {
		width, prev := d.widths[l], d.widths[l-1]
		if l < L {
			gz := d.gz[l][:n*width]
			for k := range gz {
				gz[k] = d.ga[l][k] * d.d1[l][k]
			}
			g = gz
		}
		d.gemm(true, false, prev, width, n, d.a[l-1], prev, g, width, 1, d.gW(l), width)
		colSum(d.gB(l), g, width)
		if l > 1 {
			d.gemm(false, true, n, prev, width, g, width, d.w[l-1], width, 0, d.ga[l-1][:n*prev], prev)
		}
	}
	return Terms{Loss: loss}, nil
}
