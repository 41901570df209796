package losses

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"unsafe"

	"scorenet/internal/gemm"
	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"
	"scorenet/internal/unet"
	"scorenet/nn"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Denoising score matching (Vincent 2011): the score of the data
// perturbed by N(0, sigma^2 I) is learned by regressing s(x + sigma z, sigma)
// on the score of the perturbation kernel, -z/sigma:
//
//	L = mean of [ lambda(sigma)/2 ||s(x + sigma z, sigma) + z/sigma||^2 ],
//	lambda(sigma) = sigma^2.
//
// dsm uses one noise level; anneal_dsm is the NCSN objective of Song &
// Ermon (2019), drawing each sample's level uniformly from a ladder so that
// the loss averages over all of them; vesde_dsm is the continuous objective
// of the variance-exploding SDE (Song et al. 2021), each sample's level
// log-uniform on [sigma_min, sigma_max], the ends of the ladder (sigma(t)
// = sigma_min (sigma_max/sigma_min)^t at t uniform on [0, 1]). lambda =
// sigma^2 makes every level's term of order 1, since ||z/sigma||^2 scales
// like 1/sigma^2; for the VE SDE it is score_sde's g(t)^2 weighting up to
// a constant factor, 2 ln(sigma_max/sigma_min).
//
// edm_dsm is the training of EDM (Karras et al. 2022, section 5 and table
// 1): ln sigma normal, centred below the data's scale, so that most of the
// training falls on the levels between coarse shape and fine detail where
// a sampler's choices are made (a log-uniform draw spends half of it on
// levels far above the data's spread or far below its quantisation), and
// EDM's weighting lambda = sigma^2 (1 + sigma^2/sigma_data^2), under which
// a preconditioned network's raw output is fitted with unit weight at every
// level (sigma^2 alone gives it weight sigma_data^2/(sigma^2+sigma_data^2),
// which starves the large levels that lay out an image). The draw is
// truncated to the ladder's ends, the range the samplers cover.

// dsmGraph is denoising score matching as a gorgonia graph: the reference.
type dsmGraph struct {
	*graphLoss
	draw   levelDraw
	target *tensor.Dense // -z/sigma, (batch, D)
	sigma  *tensor.Dense // (batch, 1); nil when the model is not noise-conditional
	noise  perturbation
}

// levelKind says how each sample's noise level is drawn.
type levelKind int

const (
	noNoise    levelKind = iota // exact, sliced: the data as they are
	oneLevel                    // dsm: the one level
	ladder                      // anneal_dsm: uniformly from the ladder
	continuous                  // vesde_dsm: log-uniform between the ladder's ends
	lognormal                   // edm_dsm: ln sigma normal, between the ladder's ends
)

// EDM's noise-level distribution, ln sigma ~ N(ln sigma_data + edmLogMean,
// edmLogStd^2): P_mean = -1.2 and P_std = 1.2 at sigma_data = 0.5, its
// images' spread in [-1, 1], carried to any data by the data's own spread
// (a median level 0.60 sigma_data).
const (
	edmLogMean = -1.2 + math.Ln2 // P_mean - ln 0.5: the centre less ln sigma_data
	edmLogStd  = 1.2
	// edmDraws bounds the redraws of a level outside the ladder's ends; a
	// draw still outside is put on the nearer end.
	edmDraws = 64
)

// levelDraw is how a denoising loss draws each row's noise level.
type levelDraw struct {
	kind      levelKind
	sigmas    []float64 // the one level, the ladder, or the range as its ends
	sigmaData float64   // lognormal: the data's spread, which centres the draw
}

// newLevelDraw checks the noise levels of each kind of denoising score
// matching, and is the draw they make.
func newLevelDraw(o Options, levels levelKind) (levelDraw, error) {
	if err := checkLevels(o.Sigmas, levels); err != nil {
		return levelDraw{}, err
	}
	if levels == lognormal && !(o.sigmaData > 0) {
		return levelDraw{}, errors.New("losses: edm_dsm needs a preconditioned model (model.sigma_data): its noise levels are centred on the data's spread")
	}
	return levelDraw{kind: levels, sigmas: o.Sigmas, sigmaData: o.sigmaData}, nil
}

// level draws one row's noise level from noise.
func (l levelDraw) level(noise *rand.Rand) float64 {
	sigmas := l.sigmas
	hi, lo := sigmas[0], sigmas[len(sigmas)-1]
	switch {
	case l.kind == continuous:
		return lo * math.Pow(hi/lo, noise.Float64())
	case l.kind == lognormal:
		centre := math.Log(l.sigmaData) + edmLogMean
		var sigma float64
		for range edmDraws {
			if sigma = math.Exp(centre + edmLogStd*noise.NormFloat64()); sigma >= lo && sigma <= hi {
				return sigma
			}
		}
		return min(max(sigma, lo), hi)
	case len(sigmas) > 1:
		return sigmas[noise.IntN(len(sigmas))]
	}
	return sigmas[0]
}

// weight is a row's weight times lambda(sigma): sigma^2, times EDM's
// 1 + sigma^2/sigma_data^2 for edm_dsm.
func (l levelDraw) weight(rowWeight, sigma float64) float64 {
	if l.kind == lognormal {
		return rowWeight * sigma * sigma * (1 + sigma*sigma/(l.sigmaData*l.sigmaData))
	}
	return rowWeight * sigma * sigma
}

// checkLevels checks the noise levels of each kind of denoising score
// matching.
func checkLevels(sigmas []float64, levels levelKind) error {
	switch {
	case len(sigmas) == 0 || (levels == oneLevel && len(sigmas) != 1):
		return fmt.Errorf("losses: denoising score matching takes %s noise level(s), got %d", map[bool]string{true: "one", false: "one or more"}[levels == oneLevel], len(sigmas))
	case (levels == continuous || levels == lognormal) && (len(sigmas) < 2 || !(sigmas[0] > sigmas[len(sigmas)-1])):
		return fmt.Errorf("losses: %s takes the range [sigma_min, sigma_max] as a ladder from sigma_max down to sigma_min, got %v", map[bool]string{true: "vesde_dsm", false: "edm_dsm"}[levels == continuous], sigmas)
	}
	for _, s := range sigmas {
		if !(s > 0) || math.IsInf(s, 0) {
			return errors.New("losses: noise levels must be finite and > 0")
		}
	}
	return nil
}

// dsmHead is denoising score matching on the core: one forward pass of the
// perturbed points (at their noise levels when conditional) and one reverse
// pass from the residual.
// The noise is drawn, and the loss summed, in float64 whatever T: a
// float32 network sees the perturbed points rounded to float32, and its
// scores' residuals are formed in float64 from them.
type dsmHead[T gemm.Float] struct {
	pass      firstOrderPass[T]
	dim       int
	gradients bool
	grads     []tensor.Tensor
	draw      levelDraw
	noise     perturbation
	predrawn  predraw // what noise already holds, if Predraw drew it
	// abandoned is the source of the last noise drawn ahead and not used:
	// it has moved on, so an Evaluate given it is refused.
	abandoned *rand.Rand
	xs, gs    []T
	rowLoss   []float64
}

// predraw is the noise source, rows and row weight a Predraw drew for.
type predraw struct {
	noise     *rand.Rand
	rows      int
	rowWeight float64
}

// firstOrderPass is what the denoising heads need of a network's core:
// the scores of a batch, and the reverse pass from their gradient to the
// parameters. unet.PassOf is one; mlpScores makes an mlp.PassOf one.
type firstOrderPass[T gemm.Float] interface {
	Forward(x []T, sigmas []float64) ([]T, error)
	Backward(gs []T) error
	Grads() [][]T
	Batch() int
	MatmulFLOPs() float64
}

// mlpScores is an MLP's pass seen as a firstOrderPass.
type mlpScores[T gemm.Float] struct {
	pass *mlp.PassOf[T]
	keep bool // Forward keeps the derivatives Backward needs
}

func (m mlpScores[T]) Forward(x []T, sigmas []float64) ([]T, error) {
	return m.pass.Forward(x, sigmas, m.keep)
}
func (m mlpScores[T]) SetLabels(labels []int32) error { return m.pass.SetLabels(labels) }
func (m mlpScores[T]) Backward(gs []T) error          { return m.pass.Backward(mlp.SeedsOf[T]{Score: gs}) }
func (m mlpScores[T]) Grads() [][]T                   { return m.pass.Grads() }
func (m mlpScores[T]) Batch() int                     { return m.pass.Batch() }
func (m mlpScores[T]) MatmulFLOPs() float64           { return m.pass.MatmulFLOPs() }

// newDSMHead returns the builder of a denoising loss on an MLP
// of T.
func newDSMHead[T gemm.Float](levels levelKind) func(*mlp.NetOf[T], Options) (Loss, error) {
	return func(net *mlp.NetOf[T], o Options) (Loss, error) {
		draw, err := newLevelDraw(o, levels)
		if err != nil {
			return nil, err
		}
		h, err := newHead(net, o, 0)
		if err != nil {
			return nil, err
		}
		return newDSMHeadOn(mlpScores[T]{h.pass, o.Gradients}, h.grads, net.Dim, o, draw), nil
	}
}

// newUNetDSMHead is the head of a denoising loss on a U-Net of
// T, its pass's buffers asked of the memory budget first.
func newUNetDSMHead[T gemm.Float](net *unet.NetOf[T], o Options, levels levelKind) (Loss, error) {
	draw, err := newLevelDraw(o, levels)
	if err != nil {
		return nil, err
	}
	opt := unet.Options{Batch: o.Batch, Gradients: o.Gradients}
	bytes := opt.Bytes(net.Layout) * float64(unsafe.Sizeof(T(0))) / 8
	what := fmt.Sprintf("losses: a batch of %d images of %dx%dx%d through the unet", o.Batch, net.H, net.W, net.C)
	if err := memlimit.Check(bytes, what); err != nil {
		return nil, fmt.Errorf("%w: lower train.batch_size or model.channels", err)
	}
	pass, err := unet.NewPassOf(net, opt)
	if err != nil {
		return nil, err
	}
	var grads []tensor.Tensor
	for i, s := range net.Params() {
		if o.Gradients {
			grads = append(grads, tensor.New(tensor.WithShape(s.Rows, s.Cols), tensor.WithBacking(pass.Grads()[i])))
		}
	}
	return newDSMHeadOn[T](pass, grads, net.Dim(), o, draw), nil
}

// newDSMHeadOn is the head on pass, for points of dimension dim; grads
// are its gradients as tensors in the parameters' order and shapes.
func newDSMHeadOn[T gemm.Float](pass firstOrderPass[T], grads []tensor.Tensor, dim int, o Options, draw levelDraw) *dsmHead[T] {
	return &dsmHead[T]{pass: pass, dim: dim, gradients: o.Gradients, grads: grads, draw: draw,
		xs: make([]T, o.Batch*dim), gs: make([]T, o.Batch*dim), rowLoss: make([]float64, o.Batch)}
}

// SetLabels gives a class-conditional MLP's points their labels
// (Labelled).
func (d *dsmHead[T]) SetLabels(labels []int32) error {
	l, ok := d.pass.(Labelled)
	if !ok {
		if labels == nil {
			return nil
		}
		return errors.New("losses: labels given to a network without classes")
	}
	return l.SetLabels(labels)
}

func (d *dsmHead[T]) Batch() int             { return d.pass.Batch() }
func (d *dsmHead[T]) Grads() []tensor.Tensor { return d.grads }
func (d *dsmHead[T]) MatmulFLOPs() float64   { return d.pass.MatmulFLOPs() }

// Evaluate perturbs x with noise drawn from noise, as the graph draws it,
// and computes the loss.
func (d *dsmHead[T]) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("losses: denoising score matching needs a random source for its noise")
	}
	D := d.dim
	n := len(x) / D
	if len(x)%D != 0 || n < 1 || n > d.Batch() {
		return Terms{}, fmt.Errorf("losses: %d values are not 1 to %d points of dimension %d", len(x), d.Batch(), D)
	}
	p := &d.noise
	pre := d.predrawn
	d.predrawn = predraw{}
	// Where the source has moved on, drawing again would not repeat what
	// Evaluate would have drawn from it: refused.
	switch {
	case noise == d.abandoned:
		return Terms{}, errors.New("losses: noise was drawn ahead from this source and not used: it has moved on")
	case pre.noise == noise && (pre.rows != n || pre.rowWeight != rowWeight):
		d.abandoned = noise
		return Terms{}, fmt.Errorf("losses: noise drawn ahead for %d points of weight %v, evaluated on %d of weight %v", pre.rows, pre.rowWeight, n, rowWeight)
	case pre.noise != noise:
		if pre.noise != nil {
			d.abandoned = pre.noise
		}
		p.draw(n, D, d.Batch(), d.draw, rowWeight, noise)
	}
	xs := d.xs[:n*D]
	gemm.Parallel(0, n, 4*D, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			sigma := p.sigmas[b]
			for k := b * D; k < (b+1)*D; k++ {
				xs[k] = T(x[k] + sigma*p.z[k]) // the perturbed point in float64, then rounded
			}
		}
	})
	s, err := d.pass.Forward(xs, p.sigmas[:n])
	if err != nil {
		return Terms{}, err
	}
	// 1/2 sum weights (s - target)^2, and its gradient with respect to s,
	// in float64; the loss summed by row, then the rows in order.
	gs, rowLoss := d.gs[:n*D], d.rowLoss[:n]
	gemm.Parallel(0, n, 8*D, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			sigma, weight, sum := p.sigmas[b], p.rowWeights[b], 0.0
			for k := b * D; k < (b+1)*D; k++ {
				r := float64(s[k]) - -p.z[k]/sigma
				sum += weight * r * r / 2
				gs[k] = T(weight * r)
			}
			rowLoss[b] = sum
		}
	})
	loss := 0.0
	for _, l := range rowLoss {
		loss += l
	}
	if d.gradients {
		if err := d.pass.Backward(gs); err != nil {
			return Terms{}, err
		}
	}
	return Terms{Loss: loss}, nil
}

// Predraw draws the noise that an Evaluate of rows points weighted by
// rowWeight would draw from noise; the next Evaluate given the same
// source takes it instead of drawing (Predrawer). Noise drawn ahead and
// not taken by the next Evaluate is lost, and that Evaluate, or a later
// one given its source, is refused.
func (d *dsmHead[T]) Predraw(rows int, rowWeight float64, noise *rand.Rand) error {
	if rows < 1 || rows > d.Batch() {
		return fmt.Errorf("losses: noise for %d points drawn ahead, not 1 to %d", rows, d.Batch())
	}
	d.noise.draw(rows, d.dim, d.Batch(), d.draw, rowWeight, noise)
	d.predrawn = predraw{noise: noise, rows: rows, rowWeight: rowWeight}
	return nil
}

// newDSMGraph returns the builder of a denoising loss's graph (dsm,
// anneal_dsm, vesde_dsm, edm_dsm).
func newDSMGraph(levels levelKind) func(nn.Model, Options) (Loss, error) {
	return func(m nn.Model, o Options) (Loss, error) {
		draw, err := newLevelDraw(o, levels)
		if err != nil {
			return nil, err
		}
		return dsmGraphOf(m, o.Batch, o.Gradients, draw)
	}
}

func dsmGraphOf(m nn.Model, batch int, withGrads bool, draw levelDraw) (*dsmGraph, error) {
	l, err := newGraphLoss(m, batch, 0)
	if err != nil {
		return nil, err
	}
	d := &dsmGraph{graphLoss: l, draw: draw}
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
	z          []float64 // the noise, per value
	sigmas     []float64 // per row
	rowWeights []float64 // per row: rowWeight times the level's weight
	// The graph's inputs, per value: x + sigma z; -z/sigma; the row's weight.
	x, target, weights []float64
}

// draw draws each row's noise level (as levels says, from sigmas) and
// noise, in one fixed order, for rows points of dimension dim; rows beyond
// them up to batch are padding: no noise, level 1, weight zero. Both
// engines draw through it, so they see the same noise from the same
// source; only the draws are serial, so it does nothing else.
func (p *perturbation) draw(rows, dim, batch int, levels levelDraw, rowWeight float64, noise *rand.Rand) {
	if len(p.z) != batch*dim {
		p.z, p.sigmas, p.rowWeights = make([]float64, batch*dim), make([]float64, batch), make([]float64, batch)
	}
	clear(p.z[rows*dim:])
	for b := rows; b < batch; b++ {
		p.sigmas[b], p.rowWeights[b] = 1, 0
	}
	for b := 0; b < rows; b++ {
		sigma := levels.level(noise)
		p.sigmas[b], p.rowWeights[b] = sigma, levels.weight(rowWeight, sigma)
		for j := b * dim; j < (b+1)*dim; j++ {
			p.z[j] = noise.NormFloat64()
		}
	}
}

// perturb draws the noise (draw) for the rows of x and sets the graph's
// inputs from it.
func perturb(p *perturbation, x []float64, dim, batch int, levels levelDraw, rowWeight float64, noise *rand.Rand) {
	rows := len(x) / dim
	p.draw(rows, dim, batch, levels, rowWeight, noise)
	if len(p.x) != batch*dim {
		p.x, p.target, p.weights = make([]float64, batch*dim), make([]float64, batch*dim), make([]float64, batch*dim)
	}
	for b := 0; b < rows; b++ {
		sigma, weight := p.sigmas[b], p.rowWeights[b]
		for k := b * dim; k < (b+1)*dim; k++ {
			p.x[k] = x[k] + sigma*p.z[k]
			p.target[k] = -p.z[k] / sigma
			p.weights[k] = weight
		}
	}
	clear(p.x[rows*dim:])
	clear(p.target[rows*dim:])
	clear(p.weights[rows*dim:])
}

// Evaluate perturbs x with noise drawn from noise and computes the loss.
func (d *dsmGraph) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("losses: denoising score matching needs a random source for its noise")
	}
	dim := d.model.Dim()
	if rows := len(x) / dim; len(x)%dim != 0 || rows > d.batch || rows == 0 {
		_, err := d.setBatch(x, rowWeight) // for its error
		return Terms{}, err
	}
	perturb(&d.noise, x, dim, d.batch, d.draw, rowWeight, noise)
	nn.SetData(d.x, d.noise.x)
	nn.SetData(d.target, d.noise.target)
	nn.SetData(d.w, d.noise.weights)
	d.rows = -1 // w no longer holds uniform row weights
	if d.sigma != nil {
		nn.SetData(d.sigma, d.noise.sigmas)
	}
	return d.run()
}
