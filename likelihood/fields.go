package likelihood

import (
	"fmt"
	"math"

	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"
	"scorenet/internal/unet"
)

// Network is a noise-conditional MLP's score and divergence on the
// hand-written core: the exact trace from the D unit tangents of each point
// (the Jacobian's diagonal, never the whole Jacobian), Hutchinson's from k
// probe tangents.
type Network struct {
	pass   *mlp.Pass
	diag   []float64
	labels []int32 // the points' classes (UseLabels); nil: none
}

// UseLabels implements Labelled.
func (nw *Network) UseLabels(labels []int32) { nw.labels = labels }

// BatchFor is the most points a Network pass of net should take at once
// for the trace (exact) or probes (Hutchinson) given, within maxBytes.
func BatchFor(net *mlp.Net, trace string, probes int, maxBytes float64) int {
	k := probes
	if trace == Exact {
		k = net.Dim
	}
	// A point's share: a pass of two less one of one (the products'
	// blocks are the pass's, not the point's).
	opt := mlp.Options{Batch: 1, Derivatives: true, Tangents: k}
	one := opt.Bytes(net.Layout)
	opt.Batch = 2
	one = opt.Bytes(net.Layout) - one
	// About 2048 tangent rows a pass: the exact trace at D = 50 ran 1.45x
	// faster with 32 points a pass than with 256 (bench/, this CPU), the
	// tangent buffers then staying in cache.
	return max(1, min(256, 2048/k, int(maxBytes/one)))
}

// NewNetwork prepares net for batches of up to batch points, on at most
// threads threads.
func NewNetwork(net *mlp.Net, trace string, probes, batch, threads int) (*Network, error) {
	if !net.Conditional {
		return nil, fmt.Errorf("likelihood: the probability-flow ODE needs a noise-conditional model (trained by anneal_dsm, vesde_dsm or edm_dsm)")
	}
	k := probes
	if trace == Exact {
		k = net.Dim
	}
	opt := mlp.Options{Batch: batch, Derivatives: true, Tangents: k, Threads: threads}
	if err := memlimit.Check(opt.Bytes(net.Layout), fmt.Sprintf("the likelihood's passes (%d points x %d tangents)", batch, k)); err != nil {
		return nil, err
	}
	pass, err := mlp.NewPass(net, opt)
	if err != nil {
		return nil, err
	}
	return &Network{pass: pass, diag: make([]float64, batch*net.Dim)}, nil
}

// Divergence implements score.Field, in chunks of the pass's batch.
func (nw *Network) Divergence(score, div, x, sigmas, probes []float64, k int) error {
	d, b := nw.pass.Net().Dim, nw.pass.Batch()
	n := len(sigmas)
	for lo := 0; lo < n; lo += b {
		hi := min(lo+b, n)
		if nw.labels != nil {
			if err := nw.pass.SetLabels(nw.labels[lo:hi]); err != nil {
				return err
			}
		}
		s, err := nw.pass.Forward(x[lo*d:hi*d], sigmas[lo:hi], true)
		if err != nil {
			return err
		}
		copy(score[lo*d:hi*d], s)
		if probes == nil {
			if err := nw.pass.Tangents(nil, d); err != nil {
				return err
			}
			diag := nw.diag[:(hi-lo)*d]
			if err := nw.pass.JacobianDiagonal(diag); err != nil {
				return err
			}
			for r := range hi - lo {
				tr := 0.0
				for _, v := range diag[r*d : (r+1)*d] {
					tr += v
				}
				div[lo+r] = tr
			}
			continue
		}
		v := probes[lo*k*d : hi*k*d]
		if err := nw.pass.Tangents(v, k); err != nil {
			return err
		}
		jv, err := nw.pass.OutputTangents()
		if err != nil {
			return err
		}
		for r := range hi - lo {
			est := 0.0
			for j := r * k * d; j < (r+1)*k*d; j++ {
				est += v[j] * jv[j]
			}
			div[lo+r] = est / float64(k)
		}
	}
	return nil
}

// BitsPerDim converts log p (nats, over d dimensions) to bits per
// dimension, plus offset bits: 8 for 8-bit data scaled to [0, 1] and
// uniformly dequantised, where the density over bins of width 1/256
// becomes a probability (log2 256 = 8 bits per dimension).
func BitsPerDim(logp float64, d int, offset float64) float64 {
	return -logp/(float64(d)*math.Ln2) + offset
}

// UNetNetwork is a U-Net's score and Hutchinson's divergence on the
// hand-written core: for each probe v, one reverse pass from v gives
// J^T v, and v . J^T v = v^T J v, whose mean over the probes estimates
// tr J. (The exact trace would take D reverse passes a point.)
type UNetNetwork struct {
	pass   *unet.Pass
	labels []int32 // the images' classes (UseLabels); nil: none
}

// UseLabels implements Labelled.
func (nw *UNetNetwork) UseLabels(labels []int32) { nw.labels = labels }

// UNetBatchFor is the most images a UNetNetwork pass should take at once
// within maxBytes.
func UNetBatchFor(net *unet.NetOf[float64], maxBytes float64) int {
	one := unet.Options{Batch: 2, InputGradient: true, Threads: 1}.Bytes(net.Layout) - unet.Options{Batch: 1, InputGradient: true, Threads: 1}.Bytes(net.Layout)
	return max(1, min(64, int(maxBytes/one)))
}

// NewUNetNetwork prepares net for batches of up to batch images, on at most
// threads threads; the trace must be Hutchinson's.
func NewUNetNetwork(net *unet.NetOf[float64], trace string, batch, threads int) (*UNetNetwork, error) {
	if trace != Hutchinson {
		return nil, fmt.Errorf("likelihood: the unet's divergence is Hutchinson's (-trace %s): the exact trace would take %d reverse passes a point", Hutchinson, net.Dim())
	}
	opt := unet.Options{Batch: batch, InputGradient: true, Threads: threads}
	if err := memlimit.Check(opt.Bytes(net.Layout), fmt.Sprintf("the likelihood's unet passes (%d images)", batch)); err != nil {
		return nil, err
	}
	pass, err := unet.NewPassOf(net, opt)
	if err != nil {
		return nil, err
	}
	return &UNetNetwork{pass: pass}, nil
}

// Divergence implements score.Field, in chunks of the pass's batch.
func (nw *UNetNetwork) Divergence(score, div, x, sigmas, probes []float64, k int) error {
	if probes == nil {
		return fmt.Errorf("likelihood: the unet's divergence needs Hutchinson's probes")
	}
	d, b := nw.pass.Net().Dim(), nw.pass.Batch()
	n := len(sigmas)
	seed := make([]float64, b*d)
	for lo := 0; lo < n; lo += b {
		hi := min(lo+b, n)
		if nw.labels != nil {
			if err := nw.pass.SetLabels(nw.labels[lo:hi]); err != nil {
				return err
			}
		}
		s, err := nw.pass.Forward(x[lo*d:hi*d], sigmas[lo:hi])
		if err != nil {
			return err
		}
		copy(score[lo*d:hi*d], s)
		for r := lo; r < hi; r++ {
			div[r] = 0
		}
		for p := range k {
			// The p-th probe of every image of the chunk.
			for r := lo; r < hi; r++ {
				copy(seed[(r-lo)*d:(r-lo+1)*d], probes[(r*k+p)*d:(r*k+p+1)*d])
			}
			if err := nw.pass.Backward(seed[:(hi-lo)*d]); err != nil {
				return err
			}
			jtv := nw.pass.InputGrad()
			for r := lo; r < hi; r++ {
				est := 0.0
				for j, v := range seed[(r-lo)*d : (r-lo+1)*d] {
					est += v * jtv[(r-lo)*d+j]
				}
				div[r] += est / float64(k)
			}
		}
	}
	return nil
}
