// Package ode integrates many independent initial-value problems at once by
// the adaptive Dormand-Prince 5(4) method, each system with its own step
// sizes, all unfinished systems' stages evaluated in one batched call.
//
// Each system (a row of the state) chooses and controls its steps from its
// own error alone, so a row's path, and so its result, does not depend on
// which other rows it is solved with: solving rows one at a time, in any
// batches, or split over machines gives the same numbers, provided the
// right-hand side treats its rows independently.
//
// The method is the one of Dormand & Prince (1980) with the step control
// of Hairer, Norsett & Wanner (Solving ODEs I, II.4), as scipy's RK45 and
// score_sde's likelihood use it: local extrapolation (the 5th-order
// solution is kept), first-same-as-last, the error norm
//
//	||err / (atol + rtol max(|y|, |y_new|))||_RMS <= 1,
//
// a safety factor of 0.9, steps changed by at most a factor of 10 up and 5
// down, no growth right after a rejection, and the starting step of
// Hairer's algorithm (one extra evaluation).
package ode

import (
	"fmt"
	"math"
)

// Func writes dy/dt at the n = len(t) states y (row-major, n x m) and their
// times t into dst (n x m); rows[r] is which of the solve's systems state r
// is (for right-hand sides with a fixed random draw per system).
type Func func(dst, y, t []float64, rows []int) error

// Settings are the solver's tolerances and its bound on steps.
type Settings struct {
	Rtol, Atol float64
	// MaxSteps bounds the attempted steps of one row (0: 100000); a row that
	// needs more is an error, not a silent stop.
	MaxSteps int
	// Progress, if set, is called after every round of steps with the
	// share of [t0, t1] the least advanced row has covered, 1 at the end.
	Progress func(covered float64)
}

// Stats count the work of a solve, per row.
type Stats struct {
	Evaluations []int // right-hand-side evaluations (NFE)
	Accepted    []int
	Rejected    []int
}

// Dormand-Prince 5(4): nodes, stage coefficients, the 5th-order weights
// (equal to the last stage's row: first same as last), and the error
// weights b5 - b4.
var (
	dpC = [7]float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	dpA = [7][6]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	dpE = [7]float64{-71.0 / 57600, 0, 71.0 / 16695, -71.0 / 1920, 17253.0 / 339200, -22.0 / 525, 1.0 / 40}
)

const (
	safety    = 0.9
	minFactor = 0.2
	maxFactor = 10.0
)

// row is one system's solver state.
type row struct {
	t, h     float64
	rejected bool // the last attempt was rejected: do not grow the next step
	done     bool
}

// MinTolerance is the smallest rtol and atol a solve takes: below it the
// error estimate of a float64 step is rounding, the step size underflows,
// and the solver would report the field rather than the tolerance.
const MinTolerance = 1e-12

// CheckTolerances refuses tolerances a solve cannot meet, saying why.
func CheckTolerances(rtol, atol float64) error {
	switch {
	case !(rtol >= MinTolerance && rtol < 1):
		return fmt.Errorf("ode: rtol must be at least %g (float64 rounding) and below 1, got %v", MinTolerance, rtol)
	case !(atol >= MinTolerance && atol < 1):
		// Solves run in model units, where the data's spread is about 1: an
		// absolute error of 1 or more allows any answer.
		return fmt.Errorf("ode: atol must be at least %g (float64 rounding) and below 1 (model units, where the data's spread is about 1), got %v", MinTolerance, atol)
	}
	return nil
}

// Solve integrates dy/dt = f(t, y) from t0 to t1 (either direction) for
// every row of y (n rows of m values) in place, and returns the work done.
func Solve(f Func, y []float64, m int, t0, t1 float64, s Settings) (Stats, error) {
	if m < 1 || len(y)%m != 0 || len(y) == 0 {
		return Stats{}, fmt.Errorf("ode: %d values are not rows of %d", len(y), m)
	}
	if err := CheckTolerances(s.Rtol, s.Atol); err != nil {
		return Stats{}, err
	}
	if math.IsNaN(t0) || math.IsNaN(t1) || math.IsInf(t0, 0) || math.IsInf(t1, 0) {
		return Stats{}, fmt.Errorf("ode: times must be finite, got %v and %v", t0, t1)
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = 100000
	}
	n := len(y) / m
	st := Stats{Evaluations: make([]int, n), Accepted: make([]int, n), Rejected: make([]int, n)}
	if t0 == t1 {
		return st, nil
	}
	sv := newSolver(f, m, n, s, t1-t0 > 0)
	rows := make([]row, n)
	all := make([]int, n)
	for i := range rows {
		rows[i].t = t0
		all[i] = i
	}
	// k1 at every row, then Hairer's starting step.
	k1 := make([]float64, n*m)
	if err := sv.eval(k1, y, all, func(int) float64 { return t0 }, st.Evaluations); err != nil {
		return st, err
	}
	if err := sv.startingSteps(rows, y, k1, t0, t1, all, st.Evaluations); err != nil {
		return st, err
	}
	active := all
	for len(active) > 0 {
		if err := sv.attempt(rows, y, k1, t1, active, &st); err != nil {
			return st, err
		}
		next := active[:0:0]
		for _, i := range active {
			if !rows[i].done {
				next = append(next, i)
			}
		}
		active = next
		if s.Progress != nil {
			covered := 1.0
			for _, i := range active {
				covered = min(covered, (rows[i].t-t0)/(t1-t0))
			}
			s.Progress(covered)
		}
	}
	return st, nil
}

// solver holds the batched stage buffers.
type solver struct {
	f       Func
	m       int
	s       Settings
	forward bool
	k       [7][]float64 // stages of the active rows, compacted
	ys, yn  []float64    // a stage's input; the new state (compacted)
	ts      []float64
	in, out []float64 // gathered rows for f
}

func newSolver(f Func, m, n int, s Settings, forward bool) *solver {
	sv := &solver{f: f, m: m, s: s, forward: forward, ys: make([]float64, n*m), yn: make([]float64, n*m), ts: make([]float64, n)}
	for j := range sv.k {
		sv.k[j] = make([]float64, n*m)
	}
	return sv
}

// eval writes f at the rows idx of y (full-size, row-indexed) at times
// tOf(row) into dst's rows idx, counting an evaluation per row.
func (sv *solver) eval(dst, y []float64, idx []int, tOf func(int) float64, nfe []int) error {
	m := sv.m
	for a, i := range idx {
		copy(sv.ys[a*m:(a+1)*m], y[i*m:(i+1)*m])
		sv.ts[a] = tOf(i)
	}
	out := sv.yn[:len(idx)*m]
	if err := sv.f(out, sv.ys[:len(idx)*m], sv.ts[:len(idx)], idx); err != nil {
		return err
	}
	for a, i := range idx {
		copy(dst[i*m:(i+1)*m], out[a*m:(a+1)*m])
		nfe[i]++
	}
	return nil
}

// rmsNorm is ||v / scale||_RMS.
func rmsNorm(v, scale []float64) float64 {
	sum := 0.0
	for j, x := range v {
		q := x / scale[j]
		sum += q * q
	}
	return math.Sqrt(sum / float64(len(v)))
}

// startingSteps chooses each row's first step (Hairer, Norsett & Wanner,
// II.4): h0 from the sizes of y and f, then h1 from a difference quotient
// of f, the smaller of 100 h0 and h1.
func (sv *solver) startingSteps(rows []row, y, k1 []float64, t0, t1 float64, idx []int, nfe []int) error {
	m, span := sv.m, math.Abs(t1-t0)
	dir := 1.0
	if !sv.forward {
		dir = -1
	}
	scale, h0s := make([]float64, m), make([]float64, len(rows))
	y1, f1 := make([]float64, len(y)), make([]float64, len(y))
	for _, i := range idx {
		yi, fi := y[i*m:(i+1)*m], k1[i*m:(i+1)*m]
		for j := range scale {
			scale[j] = sv.s.Atol + math.Abs(yi[j])*sv.s.Rtol
		}
		d0, d1 := rmsNorm(yi, scale), rmsNorm(fi, scale)
		h0 := 0.01 * d0 / d1
		if d0 < 1e-5 || d1 < 1e-5 || math.IsNaN(h0) {
			h0 = 1e-6
		}
		h0 = min(h0, span)
		h0s[i] = h0
		for j := range yi {
			y1[i*m+j] = yi[j] + dir*h0*fi[j]
		}
	}
	if err := sv.eval(f1, y1, idx, func(i int) float64 { return t0 + dir*h0s[i] }, nfe); err != nil {
		return err
	}
	diff := make([]float64, m)
	for _, i := range idx {
		yi := y[i*m : (i+1)*m]
		for j := range scale {
			scale[j] = sv.s.Atol + math.Abs(yi[j])*sv.s.Rtol
			diff[j] = f1[i*m+j] - k1[i*m+j]
		}
		h0 := h0s[i]
		d1, d2 := rmsNorm(k1[i*m:(i+1)*m], scale), rmsNorm(diff, scale)/h0
		var h1 float64
		if d1 <= 1e-15 && d2 <= 1e-15 {
			h1 = max(1e-6, h0*1e-3)
		} else {
			h1 = math.Pow(0.01/max(d1, d2), 1.0/5)
		}
		h := min(100*h0, h1, span)
		if !(h > 0) {
			return &RowError{Row: i, What: "the right-hand side is not finite at the start"}
		}
		rows[i].h = h
	}
	return nil
}

// RowError is a solve that failed on one row: callers that know where
// the rows came from (a file's points) name it their way.
type RowError struct {
	Row  int    // from 0
	What string // what went wrong
}

func (e *RowError) Error() string { return fmt.Sprintf("ode: row %d: %s", e.Row, e.What) }

// attempt tries one step on every active row, accepting or rejecting each
// by its own error estimate.
func (sv *solver) attempt(rows []row, y, k1 []float64, t1 float64, active []int, st *Stats) error {
	m, na := sv.m, len(active)
	dir := 1.0
	if !sv.forward {
		dir = -1
	}
	steps, last := make([]float64, na), make([]bool, na) // signed steps; steps that reach t1
	for a, i := range active {
		h := rows[i].h
		if left := math.Abs(t1 - rows[i].t); h >= left {
			h, last[a] = left, true
		}
		steps[a] = dir * h
		copy(sv.k[0][a*m:(a+1)*m], k1[i*m:(i+1)*m])
	}
	for stage := 1; stage < 7; stage++ {
		for a, i := range active {
			base, h := y[i*m:(i+1)*m], steps[a]
			out := sv.ys[a*m : (a+1)*m]
			for j := range out {
				acc := 0.0
				for q := 0; q < stage; q++ {
					acc += dpA[stage][q] * sv.k[q][a*m+j]
				}
				out[j] = base[j] + h*acc
			}
			sv.ts[a] = rows[i].t + dpC[stage]*h
		}
		if stage == 6 {
			copy(sv.yn[:na*m], sv.ys[:na*m]) // the 5th-order solution
		}
		if err := sv.f(sv.k[stage][:na*m], sv.ys[:na*m], sv.ts[:na], active); err != nil {
			return err
		}
		for _, i := range active {
			st.Evaluations[i]++
		}
	}
	scale, errv := make([]float64, m), make([]float64, m)
	for a, i := range active {
		r, h := &rows[i], steps[a]
		yi, yn := y[i*m:(i+1)*m], sv.yn[a*m:(a+1)*m]
		for j := range errv {
			e := 0.0
			for q := range dpE {
				e += dpE[q] * sv.k[q][a*m+j]
			}
			errv[j] = h * e
			scale[j] = sv.s.Atol + sv.s.Rtol*max(math.Abs(yi[j]), math.Abs(yn[j]))
		}
		norm := rmsNorm(errv, scale)
		if st.Accepted[i]+st.Rejected[i] >= sv.s.MaxSteps {
			return &RowError{Row: i, What: fmt.Sprintf("took more than %d steps (at t = %.6g of %.6g): the field is too stiff or not smooth for rtol %g, atol %g",
				sv.s.MaxSteps, r.t, t1, sv.s.Rtol, sv.s.Atol)}
		}
		if norm <= 1 { // accept
			copy(yi, yn)
			copy(k1[i*m:(i+1)*m], sv.k[6][a*m:(a+1)*m])
			r.t += h
			if last[a] {
				r.t, r.done = t1, true
			}
			factor := float64(maxFactor)
			if norm > 0 {
				factor = min(maxFactor, safety*math.Pow(norm, -0.2))
			}
			if r.rejected {
				factor = min(1, factor)
			}
			r.h, r.rejected = math.Abs(h)*factor, false
			st.Accepted[i]++
			continue
		}
		factor := minFactor // also for a non-finite error
		if !math.IsNaN(norm) && !math.IsInf(norm, 0) {
			factor = max(minFactor, safety*math.Pow(norm, -0.2))
		}
		r.h, r.rejected = math.Abs(h)*factor, true
		st.Rejected[i]++
		if r.h < 10*math.Abs(math.Nextafter(r.t, math.Inf(1))-r.t) {
			return &RowError{Row: i, What: fmt.Sprintf("step size underflow at t = %.6g: the right-hand side is not finite or not smooth there", r.t)}
		}
	}
	return nil
}
