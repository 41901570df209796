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
func DigestOf(p points.Points) Digest { return DigestOfLabelled(p, nil) }

// DigestOfLabelled is the Digest of p with its points' labels (hashed after
// the values, as little-endian int32s; nil: DigestOf's, so that runs
// without labels keep their digests): a run resumed on relabelled data is
// refused as one on changed values is.
func DigestOfLabelled(p points.Points, labels []int32) Digest {
	h := sha256.New()
	var buf [8 << 10]byte
	for i := 0; i < len(p.X); i += len(buf) / 8 {
		chunk := p.X[i:min(i+len(buf)/8, len(p.X))]
		for k, v := range chunk {
			binary.LittleEndian.PutUint64(buf[8*k:], math.Float64bits(v))
		}
		h.Write(buf[:8*len(chunk)])
	}
	for i := 0; i < len(labels); i += len(buf) / 4 {
		chunk := labels[i:min(i+len(buf)/4, len(labels))]
		for k, y := range chunk {
			binary.LittleEndian.PutUint32(buf[4*k:], uint32(y))
		}
		h.Write(buf[:4*len(chunk)])
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
		return fmt.Sprintf("it has the same %d points of dimension %d, but other values or labels (sha256 %.12s..., the run's %.12s...)", d.N, d.D, d.SHA256, recorded.SHA256)
	}
	return ""
}

// DataMoments are a data set's column means and its mean per-column variance,
// in model units: the moments of the data perturbed to a large noise level
// sigma are Mean and Var + sigma^2, which is where the samplers that solve
// from the prior start their chains (sampler.Prior).
type DataMoments struct {
	Mean []float64 `json:"mean"`
	Var  float64   `json:"var"`
	// ByClass are each class's moments, for labelled data: the start of
	// a class's chains in the samplers that start from the data's moments.
	ByClass []DataMoments `json:"by_class,omitempty"`
	// Axes are the data's principal directions (FitAxes), recorded by
	// runs trained since 2026-12-06 (not for each class), and Rest the
	// mean variance of the directions they leave out: the solvers then
	// start from the data's covariance. Readers' Data do not fit them, so
	// Equal leaves them out.
	Axes []Axis  `json:"axes,omitempty"`
	Rest float64 `json:"rest,omitempty"`
}

// Spread is the standard deviation of all the training values about their
// common mean that the moments give: the columns' mean variance plus the
// variance of their means (0 where there is no record).
func (m DataMoments) Spread() float64 {
	if len(m.Mean) == 0 {
		return 0
	}
	mean := 0.0
	for _, v := range m.Mean {
		mean += v
	}
	mean /= float64(len(m.Mean))
	between := 0.0
	for _, v := range m.Mean {
		between += float64((v - mean) * (v - mean)) // rounded before the sum: the same bits where FMA is fused
	}
	return math.Sqrt(m.Var + between/float64(len(m.Mean)))
}

// MomentsByClass are the moments of p's rows of each class 0..k-1 (labels,
// one per row): MomentsOf of each class's rows, the same bits, summed in
// place rather than over copies of them (a labelled image set is held
// once, not twice).
func MomentsByClass(p points.Points, labels []int32, k int) []DataMoments {
	out, n := make([]DataMoments, k), make([]int, k)
	for y := range out {
		out[y].Mean = make([]float64, p.D)
	}
	for i, y := range labels {
		n[y]++
		for j, v := range p.Row(i) {
			out[y].Mean[j] += v
		}
	}
	for y, m := range out {
		if n[y] == 0 {
			continue
		}
		for j := range m.Mean {
			m.Mean[j] /= float64(n[y])
		}
	}
	for i, y := range labels {
		m := &out[y]
		for j, v := range p.Row(i) {
			m.Var += (v - m.Mean[j]) * (v - m.Mean[j])
		}
	}
	for y := range out {
		if n[y] > 0 {
			out[y].Var /= float64(n[y]) * float64(p.D)
		}
	}
	return out
}

// MomentsOf are the DataMoments of p, summed in row order (the same bits on
// any machine).
func MomentsOf(p points.Points) DataMoments {
	m := DataMoments{Mean: make([]float64, p.D)}
	if p.N == 0 {
		return m
	}
	for i := range p.N {
		for j, v := range p.Row(i) {
			m.Mean[j] += v
		}
	}
	for j := range m.Mean {
		m.Mean[j] /= float64(p.N)
	}
	for i := range p.N {
		for j, v := range p.Row(i) {
			m.Var += (v - m.Mean[j]) * (v - m.Mean[j])
		}
	}
	m.Var /= float64(p.N) * float64(p.D)
	return m
}

// Equal reports whether m and o hold the same means and variances (their
// axes aside).
func (m DataMoments) Equal(o DataMoments) bool {
	if len(m.Mean) != len(o.Mean) || m.Var != o.Var || len(m.ByClass) != len(o.ByClass) {
		return false
	}
	for y, c := range m.ByClass {
		if !c.Equal(o.ByClass[y]) {
			return false
		}
	}
	for j, v := range m.Mean {
		if v != o.Mean[j] {
			return false
		}
	}
	return true
}
