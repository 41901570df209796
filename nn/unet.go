package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"scorenet/internal/gemm"
	"scorenet/internal/mlp"
	"scorenet/internal/unet"

	"gorgonia.org/tensor"
)

// UNet is the convolutional score network of internal/unet's Layout, for
// images: always noise-conditional and preconditioned (Spec.SigmaData >
// 0), swish, trained by the denoising losses on the hand-written core.
//
// Initialisation follows PyTorch's layers (U(-1/sqrt(f), 1/sqrt(f)) for a
// weight and bias of fan-in f; GroupNorm's scale 1 and shift 0), except
// that the last convolution of every residual block and of the network
// start at zero, as EDM's U-Nets do: each block starts as the identity
// and the network as the denoiser c_skip x.
type UNet struct {
	layout unet.Layout
	act    Activation
	params []Param
}

// unetFrequencies is the number of Fourier frequencies of the noise
// embedding; the embedding is four times the first level's channels wide,
// as in EDM's networks.
const unetFrequencies = 16

// unetLayout is the layout s describes.
func unetLayout(s Spec) unet.Layout {
	embed := 0
	if len(s.Channels) > 0 {
		embed = 4 * s.Channels[0]
	}
	return unet.Layout{H: s.Shape[0], W: s.Shape[1], C: s.Shape[2], Channels: s.Channels, Groups: s.Groups,
		Frequencies: unetFrequencies, Embed: embed, SigmaData: s.SigmaData, Classes: s.Classes}
}

func newUNet(s Spec, rng *rand.Rand) (*UNet, error) {
	if s.Shape[0]*s.Shape[1]*s.Shape[2] != s.Dim {
		return nil, fmt.Errorf("nn: the unet's images are %dx%dx%d, %d values, but the data have D = %d", s.Shape[0], s.Shape[1], s.Shape[2], s.Shape[0]*s.Shape[1]*s.Shape[2], s.Dim)
	}
	if !s.NoiseConditional || s.Residual {
		return nil, errors.New("nn: the unet is always noise-conditional and has its own residual blocks (model.noise_conditional: true, model.residual: false)")
	}
	if s.Activation != "swish" {
		return nil, fmt.Errorf("nn: the unet uses swish, not %q", s.Activation)
	}
	layout := unetLayout(s)
	if err := layout.Check(); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	act, err := LookupActivation("swish")
	if err != nil {
		return nil, err
	}
	m := &UNet{layout: layout, act: act}
	shapes := layout.Params()
	for i, p := range shapes {
		var fill func() float64
		switch {
		case strings.HasSuffix(p.Name, ".scale"):
			fill = func() float64 { return 1 }
		case strings.HasSuffix(p.Name, ".shift"), p.Name == "out.weight", p.Name == "out.bias",
			strings.HasSuffix(p.Name, ".conv1.weight"), strings.HasSuffix(p.Name, ".conv1.bias"):
			fill = func() float64 { return 0 }
		default:
			in := shapes[i-i%2].Rows // weights and biases come in pairs: a bias has its weight's fan-in
			bound := 1 / math.Sqrt(float64(in))
			fill = func() float64 { return bound * (2*rng.Float64() - 1) }
		}
		m.params = append(m.params, newParam(p.Name, s.Dtype, p.Rows, p.Cols, fill))
	}
	return m, nil
}

func (m *UNet) Kind() string           { return "unet" }
func (m *UNet) Dim() int               { return m.layout.Dim() }
func (m *UNet) Dtype() tensor.Dtype    { return m.params[0].Value.Dtype() }
func (m *UNet) Params() []Param        { return m.params }
func (m *UNet) NoiseConditional() bool { return true }
func (m *UNet) Layout() unet.Layout    { return m.layout }
func (m *UNet) Activation() Activation { return m.act }

// Classes is K for a class-conditional UNet, 0 otherwise.
func (m *UNet) Classes() int { return m.layout.Classes }

// Net is the core's view of a float64 UNet's parameters, aliasing them.
func (m *UNet) Net() (*unet.NetOf[float64], error) { return unetNetOf[float64](m, m.act.Kernel) }

// Net32 is the core's view of a float32 UNet's parameters.
func (m *UNet) Net32() (*unet.NetOf[float32], error) {
	return unetNetOf[float32](m, m.act.Float32())
}

// Net64 is the network in float64 whatever its dtype (a widened copy for a
// float32 one, which does not follow later updates).
func (m *UNet) Net64() (*unet.NetOf[float64], error) {
	if m.Dtype() == tensor.Float64 {
		return m.Net()
	}
	return unet.NewNetOf(m.layout, m.act.Kernel, float64Values(m.params))
}

func unetNetOf[T gemm.Float](m *UNet, act mlp.ActivationOf[T]) (*unet.NetOf[T], error) {
	data := make([][]T, len(m.params))
	for i, p := range m.params {
		d, ok := p.Value.Data().([]T)
		if !ok {
			return nil, fmt.Errorf("nn: the unet's parameters are %v, not the dtype asked for", m.Dtype())
		}
		data[i] = d
	}
	return unet.NewNetOf(m.layout, act, data)
}
