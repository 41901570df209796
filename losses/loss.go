package losses

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"scorenet/internal/mlp"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// Loss is a score-matching objective prepared for a fixed batch size.
type Loss interface {
	// Batch is the largest number of points Evaluate takes.
	Batch() int
	// Evaluate computes the loss on the points x (row-major, 1 to Batch of
	// them), each weighted by rowWeight: 1/len for the batch mean, 1/N for
	// one chunk of a mean over N points. Losses that draw noise (dsm,
	// anneal_dsm, sliced) take it from noise; exact ignores it.
	Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error)
	// Grads returns the gradients of the last Evaluate with respect to the
	// model's parameters, in Params order, overwritten by the next call;
	// nil when the loss was made without gradients.
	Grads() []tensor.Tensor
	// MatmulFLOPs is the matrix-product work of the last Evaluate.
	MatmulFLOPs() float64
}

// Labelled is a loss on a class-conditional model (the denoising losses on
// the core): SetLabels gives the points of the Evaluate calls that follow
// their labels, one per point (0..K-1, or K for none); nil, the default,
// gives none. The loss keeps the slice.
type Labelled interface {
	SetLabels(labels []int32) error
}

// Predrawer is a loss whose noise can be drawn ahead of its Evaluate:
// Predraw draws from noise what an Evaluate of rows points weighted by
// rowWeight would, and the next Evaluate given that same source uses it;
// the source has moved on, so an Evaluate that cannot use it (another
// shape), or a later one after noise drawn ahead went unused, is refused
// rather than given other noise.
// The draws are serial; drawn ahead, they can run beside other parallel
// work (the last step's update) instead of holding up the next step.
type Predrawer interface {
	Predraw(rows int, rowWeight float64, noise *rand.Rand) error
}

// Terms are the values of a score-matching loss and its two parts. Losses
// without such parts (dsm, anneal_dsm) leave Trace and Norm zero.
type Terms struct {
	Loss  float64 `json:"loss"`
	Trace float64 `json:"trace,omitempty"` // mean tr(ds/dx), or v'(ds/dx)v when sliced: the "Hessian" term
	Norm  float64 `json:"norm,omitempty"`  // mean 1/2 ||s||^2, or 1/2 (v's)^2 when sliced: the "Norm" term
}

// Add returns the termwise sum.
func (t Terms) Add(u Terms) Terms {
	return Terms{t.Loss + u.Loss, t.Trace + u.Trace, t.Norm + u.Norm}
}

// The engines a loss can run on.
const (
	// Graph runs gorgonia's autodiff over the model's graph: the reference,
	// for every model and dtype.
	Graph = "graph"
	// Fused runs the loss's head on the hand-written core (internal/mlp):
	// float64 MLPs only, the same numbers as Graph to 1e-12, faster.
	Fused = "fused"
	// Auto is Fused wherever it exists, Graph elsewhere.
	Auto = "auto"
)

// Engines lists the engine choices.
var Engines = []string{Auto, Graph, Fused}

// Options prepare a loss.
type Options struct {
	Batch     int       // the most points one Evaluate takes
	Gradients bool      // compute parameter gradients
	Sigmas    []float64 // noise levels: dsm's one, anneal_dsm's ladder (largest first), vesde_dsm's and edm_dsm's range as its ends
	Engine    string    // Auto (the default when empty), Graph or Fused

	sigmaData float64 // the model's preconditioning scale (0: none), set by New
}

// entry registers a loss: how to build it on each engine.
type entry struct {
	name  string
	graph func(m nn.Model, o Options) (Loss, error)
	fused func(net *mlp.Net, o Options) (Loss, error)
	// fused32 runs a float32 network; nil where the loss needs float64
	// (exact and sliced: their finite-difference checks and the seeds'
	// closed forms live there).
	fused32 func(net *mlp.NetOf[float32], o Options) (Loss, error)
	// conditional: the loss trains noise-conditional models, and only them
	// when required.
	conditional, required bool
	// levels: how the loss draws its noise levels, which says the levels
	// a model it trained knows (NoiseLevels).
	levels levelKind
}

// NeedsSigmaData reports whether the named loss trains only preconditioned
// models (model.sigma_data): edm_dsm, whose levels and weights follow the
// data's spread.
func NeedsSigmaData(name string) bool {
	e, _ := lookup(name)
	return e.levels == lognormal
}

// Continuous reports whether the named loss draws its noise levels from
// the range between the ladder's ends (vesde_dsm, edm_dsm), which needs
// two distinct ends.
func Continuous(name string) bool {
	e, _ := lookup(name)
	return e.levels == continuous || e.levels == lognormal
}

// registry holds every loss; adding one is a file with its two builders and
// a line here.
var registry = []entry{
	{name: "exact", graph: newExactGraph, fused: newExactHead},
	{name: "sliced", graph: newSlicedGraph(false), fused: newSlicedHead(false)},
	{name: "sliced_vr", graph: newSlicedGraph(true), fused: newSlicedHead(true)},
	{name: DSM, graph: newDSMGraph(oneLevel), fused: newDSMHead[float64](oneLevel), fused32: newDSMHead[float32](oneLevel), conditional: true, levels: oneLevel},
	{name: "anneal_dsm", graph: newDSMGraph(ladder), fused: newDSMHead[float64](ladder), fused32: newDSMHead[float32](ladder), conditional: true, required: true, levels: ladder},
	{name: "vesde_dsm", graph: newDSMGraph(continuous), fused: newDSMHead[float64](continuous), fused32: newDSMHead[float32](continuous), conditional: true, required: true, levels: continuous},
	{name: "edm_dsm", graph: newDSMGraph(lognormal), fused: newDSMHead[float64](lognormal), fused32: newDSMHead[float32](lognormal), conditional: true, required: true, levels: lognormal},
}

// DSM is denoising score matching at one noise level, the loss that
// measures a noise-conditional model at each of its levels alone.
const DSM = "dsm"

// lookup is the registry entry of the named loss.
func lookup(name string) (entry, bool) {
	i := slices.IndexFunc(registry, func(e entry) bool { return e.name == name })
	if i < 0 {
		return entry{}, false
	}
	return registry[i], true
}

// NoiseLevels are the noise levels the named loss trains at, largest
// first, given a config's one level (sigma, for dsm) and its ladder
// (sigmas): none for the losses without noise, the one level, or the
// ladder (whose ends bound vesde_dsm's and edm_dsm's continuous ranges).
func NoiseLevels(name string, sigma float64, sigmas []float64) []float64 {
	e, _ := lookup(name)
	switch e.levels {
	case oneLevel:
		return []float64{sigma}
	case ladder, continuous, lognormal:
		return sigmas
	}
	return nil
}

// OverLevels reports whether the named loss trains over a range of noise
// levels (a ladder or a continuum), so that a model it trained can be
// measured level by level and sampled from the largest level down.
func OverLevels(name string) bool {
	e, _ := lookup(name)
	return e.levels == ladder || e.levels == continuous || e.levels == lognormal
}

// Names lists the losses New builds.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.name
	}
	return names
}

// NoiseConditional reports whether the named loss can train a
// noise-conditional model, and whether it needs one.
func NoiseConditional(name string) (can, needs bool) {
	e, _ := lookup(name)
	return e.conditional, e.required
}

// New prepares the named loss for model m.
func New(name string, m nn.Model, o Options) (Loss, error) {
	e, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("losses: unknown loss %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	switch {
	case o.Batch < 1:
		return nil, fmt.Errorf("losses: batch size must be >= 1, got %d", o.Batch)
	case m.NoiseConditional() && !e.conditional:
		return nil, fmt.Errorf("losses: loss %s needs a model that is not noise-conditional", name)
	case !m.NoiseConditional() && e.required:
		return nil, fmt.Errorf("losses: %s needs a noise-conditional model (model.noise_conditional: true)", name)
	}
	o.sigmaData = sigmaDataOf(m)
	engine := o.Engine
	if engine == "" {
		engine = Auto
	}
	fused, fusedErr := e.fusedLoss(m)
	switch engine {
	case Graph:
		return e.graph(m, o)
	case Fused:
		if fusedErr != nil {
			return nil, fmt.Errorf("losses: engine fused: %w", fusedErr)
		}
		return fused(o)
	case Auto:
		if fusedErr == nil {
			return fused(o)
		}
		return e.graph(m, o)
	}
	return nil, fmt.Errorf("losses: unknown engine %q (known: %s)", engine, strings.Join(Engines, ", "))
}

// sigmaDataOf is the spread m is preconditioned for (EDM's sigma_data), 0
// when it is not.
func sigmaDataOf(m nn.Model) float64 {
	switch m := m.(type) {
	case *nn.MLP:
		return m.Layout().SigmaData
	case *nn.UNet:
		return m.Layout().SigmaData
	}
	return 0
}

// fusedLoss is the builder of e on the core's view of m, or why m has none.
func (e entry) fusedLoss(m nn.Model) (func(Options) (Loss, error), error) {
	if err := FusedEngineFor(m.Kind(), m.Dtype().String(), e.name); err != nil {
		return nil, err
	}
	if u, ok := m.(*nn.UNet); ok {
		if m.Dtype() == tensor.Float32 {
			net, err := u.Net32()
			return func(o Options) (Loss, error) { return newUNetDSMHead(net, o, e.levels) }, err
		}
		net, err := u.Net()
		return func(o Options) (Loss, error) { return newUNetDSMHead(net, o, e.levels) }, err
	}
	mp := m.(*nn.MLP)
	if m.Dtype() == tensor.Float32 {
		net, err := mp.Net32()
		return func(o Options) (Loss, error) { return e.fused32(net, o) }, err
	}
	net, err := mp.Net()
	return func(o Options) (Loss, error) { return e.fused(net, o) }, err
}

func FusedEngineFor(kind, dtype, loss string) error {
	e, _ := lookup(loss)
	switch {
	case kind == "unet" && e.levels == noNoise:
		return fmt.Errorf("the unet trains on the denoising losses (dsm, anneal_dsm, vesde_dsm, edm_dsm) only, not %s, which needs the network's Jacobian", loss)
	case kind != "mlp" && kind != "unet":
		return fmt.Errorf("the hand-written core runs MLPs and U-Nets only, not the %s model", kind)
	case dtype == "float32" && e.fused32 == nil:
		return fmt.Errorf("the hand-written core runs the %s loss in float64 only", loss)
	case dtype != "float64" && dtype != "float32":
		return fmt.Errorf("the hand-written core runs float64 and float32, not %s", dtype)
	}
	return nil
}

// fillNormal fills dst with standard normal draws.
func fillNormal(dst []float64, rng *rand.Rand) {
	for i := range dst {
		dst[i] = rng.NormFloat64()
	}
}
