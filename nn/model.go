package nn

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Param is a named learnable tensor of a model.
type Param struct {
	Name  string
	Value *tensor.Dense
}

// Model is a score network s: R^D -> R^D.
type Model interface {
	// Kind names the architecture ("mlp", "gaussian", "unet").
	Kind() string
	Dim() int
	Dtype() tensor.Dtype
	// Params lists the learnable tensors, always in the same order.
	Params() []Param
	// NoiseConditional reports whether the model is s(x, sigma), a score for
	// each noise level sigma, rather than s(x).
	NoiseConditional() bool
	// Score adds s(x) (or s(x, sigma)) to x's graph for x of shape
	// (batch, Dim) and sigma of shape (batch, 1), nil for models that are
	// not noise-conditional. It returns the score with one node per
	// parameter, in Params order, bound to Params' values.
	Score(x, sigma *G.Node) (s *G.Node, params G.Nodes, err error)
}

// Spec describes a model to build.
type Spec struct {
	Kind       string       // "mlp", "gaussian" or "unet"
	Dim        int          // D, the data dimension
	Hidden     []int        // mlp: hidden layer widths
	Activation string       // mlp: see Activations
	Dtype      tensor.Dtype // tensor.Float64 (default) or tensor.Float32
	// NoiseConditional makes an mlp s(x, sigma); Residual adds skip
	// connections around its hidden layers of equal width (mlp.Layout).
	NoiseConditional bool
	Residual         bool
	// SigmaData > 0 preconditions a noise-conditional mlp as EDM does
	// (mlp.Layout); 0, the default, does not. The unet needs it.
	SigmaData float64
	// Classes > 0 makes a noise-conditional mlp or the unet
	// class-conditional (mlp.Layout, unet.Layout): its label's one-hot code
	// is more inputs, the mlp's or the noise embedding's.
	Classes int
	// unet: the images' height, width and channels, the channels of each
	// level and GroupNorm's groups (unet.Layout).
	Shape    [3]int
	Channels []int
	Groups   int
}

// MaxParams bounds a model's parameters: 2^27 float64 values, 1 GiB, which
// with Adam's moments and the gradients is 4 GiB. New refuses more before
// allocating anything, so a config or checkpoint asking for a huge network
// gets an error, not an out-of-memory crash.
const MaxParams = 1 << 27

// MaxDim bounds the data dimension D a model takes.
const MaxDim = 1 << 17

// Kinds lists the model kinds New builds.
var Kinds = []string{"mlp", "gaussian", "unet"}

// New builds the model of spec s with freshly initialised parameters drawn
// from rng.
func New(s Spec, rng *rand.Rand) (Model, error) {
	if s.Dim < 1 {
		return nil, fmt.Errorf("nn: dimension must be >= 1, got %d", s.Dim)
	}
	if s.Dtype == (tensor.Dtype{}) {
		s.Dtype = tensor.Float64
	}
	if s.Dtype != tensor.Float64 && s.Dtype != tensor.Float32 {
		return nil, fmt.Errorf("nn: dtype %v, want float64 or float32", s.Dtype)
	}
	if err := s.CheckSize(); err != nil {
		return nil, err
	}
	if s.Classes != 0 && s.Kind == "gaussian" {
		return nil, fmt.Errorf("nn: the gaussian model cannot be class-conditional")
	}
	switch s.Kind {
	case "mlp":
		return newMLP(s, rng)
	case "unet":
		return newUNet(s, rng)
	case "gaussian":
		if s.NoiseConditional || s.Residual || s.SigmaData != 0 {
			return nil, fmt.Errorf("nn: the gaussian model cannot be noise-conditional or residual")
		}
		return newGaussian(s), nil
	}
	return nil, fmt.Errorf("nn: unknown model kind %q (known: %v)", s.Kind, Kinds)
}

// newParam returns a rows x cols tensor of dtype dt filled by fill.
func newParam(name string, dt tensor.Dtype, rows, cols int, fill func() float64) Param {
	t := tensor.New(tensor.WithShape(rows, cols), tensor.Of(dt))
	switch d := t.Data().(type) {
	case []float64:
		for i := range d {
			d[i] = fill()
		}
	case []float32:
		for i := range d {
			d[i] = float32(fill())
		}
	}
	return Param{Name: name, Value: t}
}

// bind adds a learnable node for p to g.
func bind(g *G.ExprGraph, p Param) *G.Node {
	return G.NewMatrix(g, p.Value.Dtype(), G.WithShape(p.Value.Shape()...), G.WithName(p.Name), G.WithValue(p.Value))
}

// CheckSize refuses a model too large to hold (MaxDim, MaxParams), without
// allocating it.
func (s Spec) CheckSize() error {
	if s.Dim > MaxDim {
		return fmt.Errorf("nn: dimension %d is above the limit of %d", s.Dim, MaxDim)
	}
	if s.Kind == "unet" {
		if err := unetLayout(s).Check(); err != nil {
			return fmt.Errorf("nn: %w", err)
		}
		if n := s.Params(); n > MaxParams {
			return fmt.Errorf("nn: the unet would have %d parameters, above the limit of %d: use fewer channels", n, MaxParams)
		}
		return nil
	}
	if n, ok := mlpParams(s); s.Kind == "mlp" && !ok {
		return fmt.Errorf("nn: the mlp %s would have %s parameters, above the limit of %d (1 GiB of float64): use narrower hidden layers",
			mlpShape(s), n, MaxParams)
	}
	return nil
}

// Params is the number of parameters of the model s describes, for
// budgeting its memory before it is built; s must pass CheckSize.
func (s Spec) Params() int {
	if s.Kind == "unet" {
		n := 0
		for _, p := range unetLayout(s).Params() {
			n += p.Rows * p.Cols
		}
		return n
	}
	if s.Kind != "mlp" {
		return 2 * s.Dim // the gaussian's mean and log standard deviations, or fewer
	}
	n, _ := mlpParams(s)
	v, _ := strconv.Atoi(n)
	return v
}

// mlpParams counts the parameters of the MLP s describes, as text, and
// whether they are within MaxParams; it never overflows.
func mlpParams(s Spec) (string, bool) {
	in := s.Dim
	if s.NoiseConditional {
		in++
	}
	total := new(big.Int)
	for _, out := range append(append([]int{}, s.Hidden...), s.Dim) {
		layer := new(big.Int).Mul(big.NewInt(int64(in)+1), big.NewInt(int64(out)))
		total.Add(total, layer)
		in = out
	}
	return total.String(), total.Cmp(big.NewInt(MaxParams)) <= 0
}

// mlpShape is D-h1-...-D.
func mlpShape(s Spec) string {
	parts := []string{strconv.Itoa(s.Dim)}
	for _, h := range s.Hidden {
		parts = append(parts, strconv.Itoa(h))
	}
	return strings.Join(append(parts, strconv.Itoa(s.Dim)), "-")
}
