package cpu

// Kernel is the code a package runs: assembly for an instruction set, or
// its portable Go.
type Kernel int

// The kernels, narrowest first.
const (
	Go     Kernel = iota // portable Go
	AVX2                 // AVX2 and FMA assembly
	AVX512               // AVX-512 assembly
)

// String names the kernel, as scorenet's version and build lines show it.
func (k Kernel) String() string {
	switch k {
	case AVX512:
		return "AVX-512 assembly"
	case AVX2:
		return "AVX2+FMA assembly"
	}
	return "portable Go"
}

// Widest is the widest kernel of those a package has enabled: AVX512 if
// avx512, else AVX2 if avx2, else Go.
func Widest(avx512, avx2 bool) Kernel {
	switch {
	case avx512:
		return AVX512
	case avx2:
		return AVX2
	}
	return Go
}
