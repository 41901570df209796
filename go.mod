module scorenet

go 1.26.0

// Every direct dependency, and why it is here.
require (
	// Checkpoints in the safetensors format, which Python opens too.
	github.com/maruel/safetensors v1.0.0
	// Reading and writing NumPy .npy data files.
	github.com/sbinet/npyio v0.9.0
	// The progress bar of long work on a terminal.
	github.com/schollz/progressbar/v3 v3.19.1
	// Which vector instructions (AVX2, FMA, AVX-512) the CPU has (read by
	// internal/cpu), so that internal/gemm and internal/vmath pick the
	// widest of their kernels that can run.
	golang.org/x/sys v0.49.0
	// Telling a terminal (progress bar) from a pipe or file (log lines).
	golang.org/x/term v0.47.0
	// Linear algebra: the Cholesky of the densities' covariances, and the BLAS
	// interface the hand-written losses and forward pass call.
	gonum.org/v1/gonum v0.15.1
	// -tags openblas only: OpenBLAS through cgo for gorgonia's matrix products.
	gonum.org/v1/netlib v0.0.0-20230729102104-8b8060e7531f
	// The PNG figures: samples over data, score fields, loss curves.
	gonum.org/v1/plot v0.15.2
	// YAML configs, walked node by node so errors name file, line and key.
	gopkg.in/yaml.v3 v3.0.1
	// Computation graphs with symbolic differentiation: the score networks
	// and the second-order gradients of the exact score-matching loss.
	gorgonia.org/gorgonia v0.9.18
	// The dense tensors gorgonia graphs bind parameters and batches to.
	gorgonia.org/tensor v0.9.24
)

require (
	github.com/apache/arrow/go/arrow v0.0.0-20211112161151-bc219186db40 // indirect
	github.com/awalterschulze/gographviz v2.0.3+incompatible // indirect
	github.com/campoy/embedmd v1.0.0 // indirect
	github.com/chewxy/hm v1.0.0 // indirect
	github.com/chewxy/math32 v1.10.1 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.5.2 // indirect
	github.com/google/flatbuffers v2.0.6+incompatible // indirect
	github.com/google/uuid v1.3.0 // indirect
	github.com/leesper/go_rng v0.0.0-20190531154944-a612b043e353 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/nlpodyssey/gopickle v0.3.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/xtgo/set v1.0.0 // indirect
	// Pinned above what tensor v0.9.24 asks for: that 2022 version panics at
	// start-up on Go >= 1.22, this one knows the newer runtimes.
	go4.org/unsafe/assume-no-moving-gc v0.0.0-20231121144256-b99613f794b6 // indirect
	golang.org/x/text v0.22.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
	google.golang.org/protobuf v1.28.0 // indirect
	gorgonia.org/cu v0.9.4 // indirect
	gorgonia.org/dawson v1.2.0 // indirect
	gorgonia.org/vecf32 v0.9.0 // indirect
	gorgonia.org/vecf64 v0.9.0 // indirect
)

require (
	codeberg.org/go-fonts/liberation v0.4.1 // indirect
	codeberg.org/go-latex/latex v0.0.1 // indirect
	codeberg.org/go-pdf/fpdf v0.10.0 // indirect
	git.sr.ht/~sbinet/gg v0.6.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	golang.org/x/image v0.24.0 // indirect
)
