// Package checkpoints stores training state as safetensors files that are
// written atomically, verified on load, and pruned to the newest few.
//
// A checkpoint is a set of named float64 or float32 tensors plus string
// metadata, so it opens in Python with safetensors.safe_open as well. The
// metadata always holds the format name and version, the step, and a
// SHA-256 of everything else in the file; Load refuses a file whose hash,
// version or layout is wrong, so a damaged checkpoint is never partly used.
// The package knows nothing of models or training.
package checkpoints
