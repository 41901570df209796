//go:build amd64 && !purego

package cpu

import xcpu "golang.org/x/sys/cpu"

// The instructions this machine has that the assembly kernels use.
var (
	HasAVX2FMA  = xcpu.X86.HasAVX2 && xcpu.X86.HasFMA // AVX2 and FMA together
	HasAVX512F  = xcpu.X86.HasAVX512F
	HasAVX512DQ = xcpu.X86.HasAVX512DQ
)
