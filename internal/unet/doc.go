// Package unet is the hand-written arithmetic of scorenet's convolutional
// score network for images: a small U-Net (3x3 convolutions, GroupNorm,
// swish, residual blocks, average-pool down and nearest up-sampling with
// skip connections, the noise level embedded by Fourier features of
// log sigma and added in every block), with EDM's preconditioning, and two
// passes over float64 or float32 slices: Forward and Backward (to the
// parameters and, when asked, to the input: one vector-Jacobian product).
//
// Like internal/mlp it knows nothing of gorgonia and allocates nothing per
// call: convolutions are products on internal/gemm whose patches (im2col)
// are packed straight from the image into the product's blocks
// (gemm.OnPacked), never written out whole, so every number is computed
// by the same operations in the same order whatever the number of threads.
package unet
