package unet

import (
	"errors"
	"fmt"
	"math"
	"scorenet/internal/mlp"
)

// Layout is the shape of a U-Net on H x W images of C channels, stored
// pixel by pixel with the channels of a pixel together (H, W, C row-major;
// for C = 1 simply the rows of the image).
//
// The network, for Channels c_0 .. c_{L-1} (L levels, L-1 poolings):
//
//	h = conv3x3(c_in x)                         -> c_0
//	level l = 0..L-1: h = block(h) -> c_l; keep h as skip_l; pool 2x2 if l < L-1
//	h = block(h)                                -> c_{L-1} (the middle)
//	level l = L-1..0: h = block([h, skip_l]) -> c_l; upsample 2x if l > 0
//	f = conv3x3(swish(norm(h)))                 -> C
//
// where block(h) = conv3x3(swish(norm(t))) + skip(h), t = conv3x3(swish(
// norm(h))) + P e, skip the identity or a 1x1 convolution when the
// channels change, norm GroupNorm over Groups groups, and e the noise
// embedding: e = swish(swish(phi A_1 + b_1) A_2 + b_2), phi the sines and
// cosines of log(sigma)/4 at Frequencies frequencies.
//
// Classes (K > 0) make the network class-conditional, as the MLP is
// (mlp.Layout): phi is followed by the one-hot code of the label, 0..K-1
// or K, the null label (no label), so that the rows of A_1 it selects are
// the labels' learned embeddings, added with the noise level's.
//
// The score is that of EDM's denoiser, as for the MLP: with c_in =
// 1/sqrt(sigma^2 + SigmaData^2), s(x, sigma) = -c_in^2 x + (SigmaData c_in
// / sigma) f(c_in x, sigma).
type Layout struct {
	H, W, C     int
	Channels    []int // per level
	Groups      int   // GroupNorm groups; divides every block's channels
	Frequencies int   // Fourier frequencies of the noise embedding
	Embed       int   // the noise embedding's width
	SigmaData   float64
	Classes     int // > 0: class-conditional, as above
}

// EmbedIn is the width of the embedding's input: the Fourier features,
// and the label's code where the network has classes.
func (l Layout) EmbedIn() int {
	if l.Classes > 0 {
		return 2*l.Frequencies + l.Classes + 1
	}
	return 2 * l.Frequencies
}

// Dim is D = H W C.
func (l Layout) Dim() int { return l.H * l.W * l.C }

// Check reports a layout no network can have.
func (l Layout) Check() error {
	if l.H < 1 || l.W < 1 || l.C < 1 {
		return fmt.Errorf("unet: image shape %dx%dx%d, want every side >= 1", l.H, l.W, l.C)
	}
	if len(l.Channels) < 1 {
		return errors.New("unet: at least one level of channels is needed")
	}
	if f := 1 << (len(l.Channels) - 1); l.H%f != 0 || l.W%f != 0 {
		return fmt.Errorf("unet: %d levels halve the image %d times, so its sides (%dx%d) must be multiples of %d", len(l.Channels), len(l.Channels)-1, l.H, l.W, f)
	}
	if l.Groups < 1 {
		return fmt.Errorf("unet: groups must be >= 1, got %d", l.Groups)
	}
	for i, c := range l.Channels {
		if c < 1 || c%l.Groups != 0 {
			return fmt.Errorf("unet: level %d has %d channels, want a positive multiple of the %d groups", i, c, l.Groups)
		}
	}
	if l.Frequencies < 1 || l.Embed < 1 {
		return fmt.Errorf("unet: the noise embedding needs >= 1 frequencies and width, got %d and %d", l.Frequencies, l.Embed)
	}
	if !(l.SigmaData > 0) || math.IsInf(l.SigmaData, 0) {
		return fmt.Errorf("unet: sigma_data must be finite and > 0, got %v", l.SigmaData)
	}
	if l.Classes < 0 || l.Classes > mlp.MaxClasses {
		return fmt.Errorf("unet: %d classes, want 0 to %d", l.Classes, mlp.MaxClasses)
	}
	return nil
}

// InputScale is c_in(sigma).
func (l Layout) InputScale(sigma float64) float64 {
	return 1 / math.Sqrt(sigma*sigma+l.SigmaData*l.SigmaData)
}

// OutputScale is what f is multiplied by: SigmaData c_in / sigma.
func (l Layout) OutputScale(sigma float64) float64 {
	return l.SigmaData * l.InputScale(sigma) / sigma
}

// SkipScale is the factor of x added to the score, -c_in^2.
func (l Layout) SkipScale(sigma float64) float64 {
	return -1 / (sigma*sigma + l.SigmaData*l.SigmaData)
}

// Frequency is the k-th angular frequency of the embedding, geometric from
// 1/2 to 64 per unit of log(sigma)/4: the lowest turns by about a radian
// over the levels a model is trained on, the highest tells apart levels a
// few per cent apart.
func (l Layout) Frequency(k int) float64 {
	if l.Frequencies == 1 {
		return 1
	}
	return 0.5 * math.Pow(128, float64(k)/float64(l.Frequencies-1))
}

// ParamShape is one parameter tensor: Rows x Cols, row-major.
type ParamShape struct {
	Name       string
	Rows, Cols int
}

// BlockSpec is one residual block: its name, input and output channels,
// and the level it runs at (the image halved Level times).
type BlockSpec struct {
	Name    string
	In, Out int
	Level   int
}

// Blocks are the residual blocks in the order Forward runs them.
func (l Layout) Blocks() []BlockSpec {
	L := len(l.Channels)
	var out []BlockSpec
	prev := l.Channels[0]
	for i, c := range l.Channels {
		out = append(out, BlockSpec{Name: fmt.Sprintf("down%d", i), In: prev, Out: c, Level: i})
		prev = c
	}
	out = append(out, BlockSpec{Name: "mid", In: prev, Out: prev, Level: L - 1})
	for i := L - 1; i >= 0; i-- {
		c := l.Channels[i]
		out = append(out, BlockSpec{Name: fmt.Sprintf("up%d", i), In: prev + c, Out: c, Level: i})
		prev = c
	}
	return out
}

// Params lists the parameter tensors in their fixed order, which is the
// checkpoints' too. A convolution's weight is (k k in) x out, its rows in
// the order (dy, dx, channel in) of the patch; a GroupNorm's scale and
// shift are 1 x channels.
func (l Layout) Params() []ParamShape {
	out := []ParamShape{
		{"embed0.weight", l.EmbedIn(), l.Embed}, {"embed0.bias", 1, l.Embed},
		{"embed1.weight", l.Embed, l.Embed}, {"embed1.bias", 1, l.Embed},
		{"in.weight", 9 * l.C, l.Channels[0]}, {"in.bias", 1, l.Channels[0]},
	}
	for _, b := range l.Blocks() {
		out = append(out,
			ParamShape{b.Name + ".norm0.scale", 1, b.In}, ParamShape{b.Name + ".norm0.shift", 1, b.In},
			ParamShape{b.Name + ".conv0.weight", 9 * b.In, b.Out}, ParamShape{b.Name + ".conv0.bias", 1, b.Out},
			ParamShape{b.Name + ".embed.weight", l.Embed, b.Out}, ParamShape{b.Name + ".embed.bias", 1, b.Out},
			ParamShape{b.Name + ".norm1.scale", 1, b.Out}, ParamShape{b.Name + ".norm1.shift", 1, b.Out},
			ParamShape{b.Name + ".conv1.weight", 9 * b.Out, b.Out}, ParamShape{b.Name + ".conv1.bias", 1, b.Out})
		if b.In != b.Out {
			out = append(out, ParamShape{b.Name + ".skip.weight", b.In, b.Out}, ParamShape{b.Name + ".skip.bias", 1, b.Out})
		}
	}
	c0 := l.Channels[0]
	return append(out,
		ParamShape{"out.norm.scale", 1, c0}, ParamShape{"out.norm.shift", 1, c0},
		ParamShape{"out.weight", 9 * c0, l.C}, ParamShape{"out.bias", 1, l.C})
}
