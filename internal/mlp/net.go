package mlp

import (
	"errors"
	"fmt"
	"math"
	"scorenet/internal/gemm"
)

// Layout is the shape of an MLP score network D -> Hidden... -> D: a bias on
// every layer, the activation after every hidden layer, a linear output.
//
// Noise conditioning: a Conditional network is s(x, sigma) = f([x, log
// sigma]) / sigma. It sees log sigma as one more input, and its output is
// divided by sigma (multiplied by 1/sigma), so it only has to learn a score
// of order 1 at every level: the true score of data perturbed by
// N(0, sigma^2 I) scales like 1/sigma.
//
// Residual: a hidden layer whose input is another hidden layer of the same
// width adds that input back, a_l = a_{l-1} + f(z_l) (Skip). The first
// hidden layer, whose input is x, never does.
//
// Preconditioning (SigmaData > 0, conditional only; off in the zero Layout,
// which is the network above exactly), Karras et al. 2022 (EDM): with
// c_in = 1/sqrt(sigma^2 + SigmaData^2),
//
//	s(x, sigma) = -c_in^2 x + (SigmaData c_in / sigma) f([c_in x, log sigma]),
//
// the score of EDM's denoiser c_skip x + c_out f. The network's input has
// about unit spread at every level when SigmaData is the data's spread,
// and so has its target. The first term, the score of N(0, (sigma^2 +
// SigmaData^2) I), pulls points far from the data back at the rate the
// level needs whatever f makes of them: with f alone, chains that wander
// out of the region the network was trained on never came back.
//
// Classes (K > 0, conditional only): a class-conditional network
// s(x, sigma, y) sees its label y as K+1 more inputs, the one-hot code of
// y in 0..K-1 or of K, the null label, which stands for no label (the
// unconditional score, as classifier-free guidance trains it). The
// one-hot rows of the first weight matrix are the labels' learned
// embeddings, added to the first layer: no other layer knows of them, and
// the tangents in x never cross them.
type Layout struct {
	Dim         int   // D
	Hidden      []int // hidden layer widths
	Conditional bool
	Residual    bool
	// SigmaData > 0 preconditions the network as above (conditional
	// only); 0 leaves it as it is.
	SigmaData float64
	// Classes > 0 makes the network class-conditional, as above.
	Classes int
}

// Widths are the layer widths from the input to the output: D (D+1 when
// conditional, D+1+K+1 with K classes), the hidden widths, D.
func (l Layout) Widths() []int {
	in := l.Dim
	if l.Conditional {
		in++
	}
	if l.Classes > 0 {
		in += l.Classes + 1
	}
	return append(append([]int{in}, l.Hidden...), l.Dim)
}

// Skip reports whether layer i (1-based; layers 1..len(Hidden) are hidden,
// len(Hidden)+1 is the output) adds its input back to its activation.
func (l Layout) Skip(i int) bool {
	return l.Residual && i >= 2 && i <= len(l.Hidden) && l.Hidden[i-2] == l.Hidden[i-1]
}

// ParamShape is one parameter tensor of the layout.
type ParamShape struct {
	Name       string
	Rows, Cols int
}

// Params lists the parameter tensors in their fixed order: for each layer i
// (0-based) layer<i>.weight, (in x out), then layer<i>.bias, (1 x out). The
// order and names are the checkpoints' too.
func (l Layout) Params() []ParamShape {
	w := l.Widths()
	var out []ParamShape
	for i := 0; i+1 < len(w); i++ {
		out = append(out,
			ParamShape{fmt.Sprintf("layer%d.weight", i), w[i], w[i+1]},
			ParamShape{fmt.Sprintf("layer%d.bias", i), 1, w[i+1]})
	}
	return out
}

// InputScale is c_in(sigma), the factor the input x is multiplied by: 1
// unless SigmaData > 0 on a conditional network.
func (l Layout) InputScale(sigma float64) float64 {
	if !l.Conditional || !(l.SigmaData > 0) {
		return 1
	}
	return 1 / math.Sqrt(sigma*sigma+l.SigmaData*l.SigmaData)
}

// OutputScale is what the network's output f is multiplied by: 1/sigma,
// or SigmaData c_in / sigma with preconditioning.
func (l Layout) OutputScale(sigma float64) float64 {
	if !l.Conditional || !(l.SigmaData > 0) {
		return 1 / sigma
	}
	return l.SigmaData * l.InputScale(sigma) / sigma
}

// SkipScale is the factor of x added to the score: -c_in^2 with
// preconditioning, 0 otherwise.
func (l Layout) SkipScale(sigma float64) float64 {
	if !l.Conditional || !(l.SigmaData > 0) {
		return 0
	}
	return -1 / (sigma*sigma + l.SigmaData*l.SigmaData)
}

// Check reports a layout no network can have.
func (l Layout) Check() error {
	if l.Dim < 1 {
		return fmt.Errorf("mlp: dimension must be >= 1, got %d", l.Dim)
	}
	if len(l.Hidden) == 0 {
		return errors.New("mlp: at least one hidden layer is needed")
	}
	for i, h := range l.Hidden {
		if h < 1 {
			return fmt.Errorf("mlp: hidden layer %d has width %d, want >= 1", i, h)
		}
	}
	if !(l.SigmaData >= 0) || math.IsInf(l.SigmaData, 0) {
		return fmt.Errorf("mlp: sigma_data must be finite and >= 0, got %v", l.SigmaData)
	}
	if l.SigmaData > 0 && !l.Conditional {
		return errors.New("mlp: preconditioning needs a noise-conditional network")
	}
	if l.Classes < 0 || l.Classes > MaxClasses {
		return fmt.Errorf("mlp: %d classes, want 0 to %d", l.Classes, MaxClasses)
	}
	if l.Classes > 0 && !l.Conditional {
		return errors.New("mlp: a class-conditional network must be noise-conditional")
	}
	return nil
}

// MaxClasses bounds a class-conditional network's classes: labels are
// read as bytes (IDX) or small integers, and each class costs a row of
// the first weight matrix.
const MaxClasses = 1 << 16

// Null is the label that stands for no label in a class-conditional
// network of k classes: its unconditional score.
func Null(k int) int32 { return int32(k) }

// CheckLabels reports labels a net of k classes cannot take: any, when k
// is 0; one outside 0..k (k is the null label) otherwise.
func CheckLabels(labels []int32, k int) error {
	if labels != nil && k == 0 {
		return errors.New("labels given to a network without classes")
	}
	for i, y := range labels {
		if y < 0 || int(y) > k {
			return fmt.Errorf("point %d has label %d, want 0 to %d (%d: none)", i+1, y, k, k)
		}
	}
	return nil
}

// SetLabelCode writes into code (K+1 values) the one-hot code of point r's
// label, or of the null label where labels is nil.
func SetLabelCode[T gemm.Float](code []T, labels []int32, r int) {
	clear(code)
	y := Null(len(code) - 1)
	if labels != nil {
		y = labels[r]
	}
	code[y] = 1
}

// Activation is an activation's two kernels over slices. Value sets
// dst[k] = f(z[k]) (dst may be z). Derivatives sets f[k] = f(z[k]) and
// d1[k], d2[k] to its first and second derivatives (f may be z; d1 and d2
// may not). Value and Derivatives' f must agree bit for bit, so that a
// forward pass gives the same scores whether it keeps the derivatives or not.
type ActivationOf[T gemm.Float] struct {
	Value       func(dst, z []T)
	Derivatives func(z, f, d1, d2 []T)
}

// Activation is a float64 network's activation.
type Activation = ActivationOf[float64]

// NetOf is an MLP's parameters as slices of T (float64 or float32), with
// its layout and activation. The float32 network computes every product,
// activation and sum in float32, with the same bits on any machine and
// number of threads as the float64 one.
//
// Aliasing contract: W[i] and B[i] are the backing arrays of the model's
// parameter tensors layer<i>.weight (row-major, in x out) and layer<i>.bias,
// not copies. Whatever writes the parameters (the optimiser, a checkpoint
// restore, a test) must write into those arrays in place, never give the
// tensors new ones, and every later pass sees the new values. Gradients are
// the Pass's own arrays, in the same order and shapes.
type NetOf[T gemm.Float] struct {
	Layout
	Act    ActivationOf[T]
	W, B   [][]T
	widths []int
	// packedW are the weights packed once for the forward products (see
	// Frozen); nil: packed by every product.
	packedW []*gemm.PackedB[T]
}

// Frozen is the network with its weights packed once into the panels the
// forward pass's products read, for work that runs the forward pass many
// times on weights that do not change (sampling, scoring): each product
// then skips copying its weight matrix, and gives the same bits. The packed
// copy does not follow later changes to W, so a network being trained is
// never frozen. With -tags openblas (which packs inside OpenBLAS) it is n.
func (n *NetOf[T]) Frozen() *NetOf[T] {
	if !prePacks {
		return n
	}
	f := *n
	f.packedW = make([]*gemm.PackedB[T], len(n.W))
	for l, w := range n.W {
		in, out := n.widths[l], n.widths[l+1]
		f.packedW[l] = gemm.PackB(false, in, out, w, out)
	}
	return &f
}

// FrozenValues is the number of values a frozen network of layout l keeps
// packed (at most: panels are as wide as float32's), for memory budgets.
func (l Layout) FrozenValues() int {
	if !prePacks {
		return 0
	}
	const width = 32 // the widest panel, float32's
	w, total := l.Widths(), 0
	for i := 0; i+1 < len(w); i++ {
		total += w[i] * ((w[i+1] + width - 1) / width * width)
	}
	return total
}

// Net is a float64 network.
type Net = NetOf[float64]

// NewNet views params, in Layout.Params order, as the network l with
// activation act. It keeps the slices (see the aliasing contract).
func NewNet(l Layout, act Activation, params [][]float64) (*Net, error) {
	return NewNetOf(l, act, params)
}

// NewNetOf is NewNet for a network of any element type.
func NewNetOf[T gemm.Float](l Layout, act ActivationOf[T], params [][]T) (*NetOf[T], error) {
	if err := l.Check(); err != nil {
		return nil, err
	}
	if act.Value == nil || act.Derivatives == nil {
		return nil, errors.New("mlp: activation without kernels")
	}
	shapes := l.Params()
	if len(params) != len(shapes) {
		return nil, fmt.Errorf("mlp: %d parameter arrays for a layout of %d", len(params), len(shapes))
	}
	n := &NetOf[T]{Layout: l, Act: act, widths: l.Widths()}
	for i, s := range shapes {
		if len(params[i]) != s.Rows*s.Cols {
			return nil, fmt.Errorf("mlp: %s has %d values, want %d x %d", s.Name, len(params[i]), s.Rows, s.Cols)
		}
		if i%2 == 0 {
			n.W = append(n.W, params[i])
		} else {
			n.B = append(n.B, params[i])
		}
	}
	return n, nil
}

// Arrays are the parameter arrays in Layout.Params order (the slices
// NewNet was given).
func (n *NetOf[T]) Arrays() [][]T {
	var out [][]T
	for i := range n.W {
		out = append(out, n.W[i], n.B[i])
	}
	return out
}

// layers is L, the number of weight matrices (hidden layers + 1).
func (n *NetOf[T]) layers() int { return len(n.W) }
