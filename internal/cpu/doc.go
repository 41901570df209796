// Package cpu says which of the vector instructions used by scorenet's
// assembly kernels (internal/gemm, internal/vmath) this machine has, and
// names the kernel a package runs.
//
// With -tags purego, or off amd64, it reports none of them, so the
// packages run their portable Go.
package cpu
