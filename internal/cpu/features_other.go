//go:build !amd64 || purego

package cpu

// The instructions this machine has that the assembly kernels use: none in
// this build.
var HasAVX2FMA, HasAVX512F, HasAVX512DQ = false, false, false
