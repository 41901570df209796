package rundir

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"scorenet/points"
)

// Digest identifies a data set: a resumed run must train on the same one.
type Digest struct {
	N      int    `json:"n"`
	D      int    `json:"d"`
	SHA256 string `json:"sha256"` // of the float64 values, little-endian, row-major
}

// DigestOf is the Digest of p.
func DigestOf(p points.Points) Digest {
	h := sha256.New()
	var buf [8 << 10]byte
	for i := 0; i < len(p.X); i += len(buf) / 8 {
		chunk := p.X[i:min(i+len(buf)/8, len(p.X))]
		for k, v := range chunk {
			binary.LittleEndian.PutUint64(buf[8*k:], math.Float64bits(v))
		}
		h.Write(buf[:8*len(chunk)])
	}
	return Digest{N: p.N, D: p.D, SHA256: hex.EncodeToString(h.Sum(nil))}
}

// Differs says how the data d differs from the data a checkpoint recorded,
// or "" when they are the same.
func (d Digest) Differs(recorded Digest) string {
	switch {
	case d.N != recorded.N || d.D != recorded.D:
		return fmt.Sprintf("it now has %d points of dimension %d, the run was trained on %d points of dimension %d", d.N, d.D, recorded.N, recorded.D)
	case d.SHA256 != recorded.SHA256:
		return fmt.Sprintf("it has the same %d points of dimension %d, but other values (sha256 %.12s..., the run's %.12s...)", d.N, d.D, d.SHA256, recorded.SHA256)
	}
	return ""
}
