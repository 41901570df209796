package checkpoints

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/maruel/safetensors"
)

// Format and FormatVersion identify scorenet checkpoints; a file of another
// version is refused rather than guessed at.
const (
	Format        = "scorenet.checkpoint"
	FormatVersion = "1"
)

// Reserved metadata keys, set by Encode.
const (
	keyFormat  = "format"
	keyVersion = "format_version"
	keyStep    = "step"
	keyHash    = "sha256"
)

// Tensor is a named array of float64 or float32 values in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  any // []float64 or []float32
}

// Checkpoint is the state of a run at a step.
type Checkpoint struct {
	Step    int
	Tensors []Tensor
	Meta    map[string]string // the caller's metadata; reserved keys are added on write
}

// Tensor returns the tensor of the given name.
func (c *Checkpoint) Tensor(name string) (Tensor, bool) {
	for _, t := range c.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Encode returns c in the safetensors format.
func Encode(c *Checkpoint) ([]byte, error) {
	f := safetensors.File{Metadata: map[string]string{}}
	// The header is JSON, which writes invalid UTF-8 as U+FFFD: such a
	// name would read back changed, failing the hash, so it is refused.
	for k, v := range c.Meta {
		switch k {
		case keyFormat, keyVersion, keyStep, keyHash:
			return nil, fmt.Errorf("checkpoints: metadata key %q is reserved", k)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("checkpoints: metadata %q is not valid UTF-8, which the JSON header would change", k)
		}
		f.Metadata[k] = v
	}
	f.Metadata[keyFormat] = Format
	f.Metadata[keyVersion] = FormatVersion
	f.Metadata[keyStep] = strconv.Itoa(c.Step)
	seen := map[string]bool{}
	for _, t := range c.Tensors {
		if seen[t.Name] {
			return nil, fmt.Errorf("checkpoints: tensor %q appears twice", t.Name)
		}
		seen[t.Name] = true
		if !utf8.ValidString(t.Name) {
			return nil, fmt.Errorf("checkpoints: tensor name %q is not valid UTF-8, which the JSON header would change", t.Name)
		}
		st, err := toSafetensor(t)
		if err != nil {
			return nil, err
		}
		f.Tensors = append(f.Tensors, st)
	}
	f.Metadata[keyHash] = digest(&f)
	// Sized once: grown by doubling, the buffer of a large network's
	// checkpoint briefly held twice its size.
	size := 1 << 16
	for k, v := range f.Metadata {
		size += 2*(len(k)+len(v)) + 8 // JSON may escape
	}
	for _, st := range f.Tensors {
		size += len(st.Data) + 2*len(st.Name) + 128
	}
	buf := make(bytesBuffer, 0, size)
	if err := f.Serialize(&buf); err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	return buf, nil
}

// Decode parses and verifies a checkpoint written by Encode.
func Decode(b []byte) (*Checkpoint, error) {
	c, _, err := decode(b)
	return c, err
}

// decode is Decode, also returning the content hash it verified.
func decode(b []byte) (*Checkpoint, string, error) {
	f, err := safetensors.Parse(b)
	if err != nil {
		return nil, "", fmt.Errorf("checkpoints: not a valid safetensors file: %w", err)
	}
	if f.Metadata[keyFormat] != Format {
		return nil, "", fmt.Errorf("checkpoints: format %q, want %q", f.Metadata[keyFormat], Format)
	}
	if v := f.Metadata[keyVersion]; v != FormatVersion {
		return nil, "", fmt.Errorf("checkpoints: format version %q, this scorenet reads version %s", v, FormatVersion)
	}
	if want, got := f.Metadata[keyHash], digest(f); want != got {
		return nil, "", fmt.Errorf("checkpoints: integrity check failed: content hash %s, recorded %s", got, want)
	}
	step, err := strconv.Atoi(f.Metadata[keyStep])
	if err != nil || step < 0 {
		return nil, "", fmt.Errorf("checkpoints: bad step %q", f.Metadata[keyStep])
	}
	c := &Checkpoint{Step: step, Meta: map[string]string{}}
	for k, v := range f.Metadata {
		switch k {
		case keyFormat, keyVersion, keyStep, keyHash:
		default:
			c.Meta[k] = v
		}
	}
	for _, st := range f.Tensors {
		t, err := fromSafetensor(st)
		if err != nil {
			return nil, "", err
		}
		c.Tensors = append(c.Tensors, t)
	}
	return c, f.Metadata[keyHash], nil
}

// digest hashes the metadata (but the hash itself) in key order, then every
// tensor's name, dtype, shape and bytes in file order.
func digest(f *safetensors.File) string {
	h := sha256.New()
	keys := make([]string, 0, len(f.Metadata))
	for k := range f.Metadata {
		if k != keyHash {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	field := func(b []byte) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, k := range keys {
		field([]byte(k))
		field([]byte(f.Metadata[k]))
	}
	for _, t := range f.Tensors {
		field([]byte(t.Name))
		field([]byte(t.DType))
		field([]byte(fmt.Sprint(t.Shape)))
		field(t.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func toSafetensor(t Tensor) (safetensors.Tensor, error) {
	st := safetensors.Tensor{Name: t.Name}
	n := 1
	for _, s := range t.Shape {
		if s < 0 {
			return st, fmt.Errorf("checkpoints: tensor %q has negative shape %v", t.Name, t.Shape)
		}
		st.Shape = append(st.Shape, uint64(s))
		n *= s
	}
	var count int
	switch d := t.Data.(type) {
	case []float64:
		st.DType, count = safetensors.F64, len(d)
	case []float32:
		st.DType, count = safetensors.F32, len(d)
	default:
		return st, fmt.Errorf("checkpoints: tensor %q has unsupported data %T", t.Name, t.Data)
	}
	if count != n {
		return st, fmt.Errorf("checkpoints: tensor %q has %d values for shape %v", t.Name, count, t.Shape)
	}
	var err error
	st.Data, err = binary.Append(nil, binary.LittleEndian, t.Data)
	return st, err
}

func fromSafetensor(st safetensors.Tensor) (Tensor, error) {
	t := Tensor{Name: st.Name}
	for _, s := range st.Shape {
		if s > math.MaxInt32 {
			return t, fmt.Errorf("checkpoints: tensor %q has shape %v", st.Name, st.Shape)
		}
		t.Shape = append(t.Shape, int(s))
	}
	switch st.DType {
	case safetensors.F64:
		t.Data = make([]float64, len(st.Data)/8)
	case safetensors.F32:
		t.Data = make([]float32, len(st.Data)/4)
	default:
		return t, fmt.Errorf("checkpoints: tensor %q has dtype %s, want F64 or F32", st.Name, st.DType)
	}
	if _, err := binary.Decode(st.Data, binary.LittleEndian, t.Data); err != nil {
		return t, fmt.Errorf("checkpoints: tensor %q: %w", st.Name, err)
	}
	return t, nil
}

// bytesBuffer is an io.Writer that appends to itself.
type bytesBuffer []byte

func (b *bytesBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// ErrNoCheckpoint is returned by Newest for a directory without checkpoints.
var ErrNoCheckpoint = errors.New("checkpoints: no checkpoint")

// Float64s is a tensor's values as float64: data itself when it is a
// []float64, a widened copy of a []float32; data may also be a value with
// a Data method returning either (a model parameter's tensor).
func Float64s(data any) []float64 {
	if t, ok := data.(interface{ Data() any }); ok {
		data = t.Data()
	}
	switch d := data.(type) {
	case []float64:
		return d
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	}
	panic(fmt.Sprintf("checkpoints: values of %T", data))
}
