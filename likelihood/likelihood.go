// Package likelihood computes the log-density a noise-conditional score
// model gives to points, by the probability-flow ODE of the
// variance-exploding SDE (Song et al. 2021, "Score-based generative
// modeling through stochastic differential equations", appendix D.2).
//
// The ODE dx/dt = f(x, t) = -g(t)^2/2 s(x, sigma(t)) (sampler.VE) moves
// the data, perturbed by N(0, sigma_min^2 I), at t = 0 to the prior at
// t = 1, and the change of variables along it gives
//
//	log p_0(x(0)) = log p_1(x(1)) + int_0^1 div f(x(t), t) dt,
//
// with div f = -g(t)^2/2 tr(ds/dx). Both are solved together, per point, by
// the adaptive Dormand-Prince 5(4) solver of internal/ode. The divergence is
// exact (D Jacobian-vector products through the network's core, no noise at
// all) or Hutchinson's estimate E[v' (ds/dx) v] over k Rademacher probes v,
// drawn once per point and held for the whole solve, as score_sde does.
//
// What is computed is the density of the model's data at its smallest
// noise level, p_0 = p_data * N(0, sigma_min^2 I), in the units the model
// sees; the prior is N(0, sigma_max^2 I), score_sde's choice for VE models,
// unless Settings.Prior gives the exact one.
package likelihood

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"scorenet/internal/memlimit"
	"scorenet/internal/ode"
	"scorenet/internal/seeds"
	"scorenet/points"
	"scorenet/sampler"
	"scorenet/score"
)

// Trace methods.
const (
	Exact      = "exact"
	Hutchinson = "hutchinson"
)

// Settings configure a likelihood computation.
type Settings struct {
	VE         sampler.VE // the noise range: the model's smallest and largest levels
	Rtol, Atol float64    // the solver's tolerances
	Trace      string     // Exact or Hutchinson
	Probes     int        // Hutchinson: probes per point
	Seed       uint64     // Hutchinson: the probes' seed; point i's come from its own stream
	// Prior is log p_1 at the end of the flow; nil for N(0, sigma_max^2 I).
	Prior func(x []float64) float64
	// First is the index of the first point, for its probe stream (a
	// shard of a larger set).
	First int
	// Indexes, where set, are each point's index instead (First + its
	// place): the points with a density of a file some of whose have
	// none keep their own streams, and their names in errors.
	Indexes []int
	// Labels are each point's class for a class-conditional field (one
	// that implements Labelled): the flow is of p(x | y). Nil: none, the
	// field's unconditional one.
	Labels []int32
	// Progress, if set, is called as the flow advances with the
	// thousandths of its time span every point has covered, and 1000.
	Progress func(done, total int)
}

// Result is the likelihood of each point.
type Result struct {
	LogP        []float64 // log p_0(x) in nats, in model units
	Evaluations []int     // score evaluations (with their divergences) per point
}

// MeanEvaluations is the mean number of evaluations per point and the most
// one took.
func (r Result) MeanEvaluations() (float64, int) {
	return sampler.Result{Evaluations: r.Evaluations}.MeanEvaluations()
}

// index is point i's index: its probe stream's, and its name in errors.
func (s Settings) index(i int) int {
	if s.Indexes != nil {
		return s.Indexes[i]
	}
	return s.First + i
}

// Check refuses settings that compute nothing meaningful.
func (s Settings) Check() error {
	if err := s.VE.Check(); err != nil {
		return fmt.Errorf("likelihood: %w", err)
	}
	if err := ode.CheckTolerances(s.Rtol, s.Atol); err != nil {
		return fmt.Errorf("likelihood: %w", err)
	}
	switch {
	case s.Trace != Exact && s.Trace != Hutchinson:
		return fmt.Errorf("likelihood: trace %q: want %s or %s", s.Trace, Exact, Hutchinson)
	case s.Trace == Hutchinson && s.Probes < 1:
		return fmt.Errorf("likelihood: hutchinson needs >= 1 probe per point, got %d", s.Probes)
	}
	return nil
}

// Compute returns log p_0 at every point of x (model units), splitting the
// points into one contiguous block per field (each field is a worker).
// A point's result depends only on the point, its index and the settings.
func Compute(fields []score.Field, x points.Points, s Settings) (Result, error) {
	if err := s.Check(); err != nil {
		return Result{}, err
	}
	if len(fields) == 0 || x.N == 0 {
		return Result{}, errors.New("likelihood: no points, or no field to evaluate them")
	}
	d := x.D
	m := d + 1
	if err := CheckMemory(x.N, d, s.Probes, 0); err != nil {
		return Result{}, err
	}
	if s.Indexes != nil && len(s.Indexes) != x.N {
		return Result{}, fmt.Errorf("likelihood: %d indexes for %d points", len(s.Indexes), x.N)
	}
	if s.Labels != nil {
		if len(s.Labels) != x.N {
			return Result{}, fmt.Errorf("likelihood: %d labels for %d points", len(s.Labels), x.N)
		}
		for _, f := range fields {
			if _, ok := f.(Labelled); !ok {
				return Result{}, fmt.Errorf("likelihood: labels given to a field without classes")
			}
		}
	}
	res := Result{LogP: make([]float64, x.N), Evaluations: make([]int, x.N)}
	workers := min(len(fields), x.N)
	errs := make([]error, workers)
	covered := make([]float64, workers) // each worker's share of the span, for Progress
	var progressMu sync.Mutex
	progressOf := func(w int) func(float64) {
		if s.Progress == nil {
			return nil
		}
		return func(c float64) {
			progressMu.Lock()
			defer progressMu.Unlock()
			covered[w] = c
			s.Progress(int(1000*slices.Min(covered)), 1000)
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*x.N/workers, (w+1)*x.N/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			y := make([]float64, (hi-lo)*m)
			for i := lo; i < hi; i++ {
				copy(y[(i-lo)*m:], x.X[i*d:(i+1)*d])
			}
			flow := &flow{field: fields[w], d: d, s: s, first: lo, probes: make([][]float64, hi-lo)}
			st, err := ode.Solve(flow.rhs, y, m, 0, 1, ode.Settings{Rtol: s.Rtol, Atol: s.Atol, Progress: progressOf(w)})
			if rowErr := (*ode.RowError)(nil); errors.As(err, &rowErr) {
				rowErr.Row += lo // the solve's rows are this worker's points
			}
			if err != nil {
				errs[w] = fmt.Errorf("likelihood: %w", err)
				return
			}
			for i := lo; i < hi; i++ {
				row := y[(i-lo)*m : (i-lo+1)*m]
				if j, moved := flownTooFar(row[:d], x.X[i*d:(i+1)*d], s.VE); moved > 0 {
					errs[w] = fmt.Errorf("likelihood: point %d: the flow moved coordinate %d by %.3g, %g times more than a field that learned its data can (noise levels %.4g to %.4g): it left the range the model knows; the checkpoint's field is wrong",
						s.index(i), j+1, moved, maxFlowMove, s.VE.Min, s.VE.Max)
					return
				}
				res.LogP[i] = s.prior(row[:d]) + row[d]
				res.Evaluations[i] = st.Evaluations[i-lo]
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	for i, v := range res.LogP {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Result{}, fmt.Errorf("likelihood: point %d: log p is %v: the flow left the range the model knows", s.index(i), v)
		}
	}
	return res, nil
}

// maxFlowMove bounds how far the probability-flow ODE may move a point,
// in units of the most a sane field moves one. Even near a single data
// point mu, where p_sigma is N(mu, sigma^2 I), the flow carries x to
// mu + (x - mu) sigma_max / sigma_min, so no coordinate of a model that
// learned anything moves by more than about (|x|_inf + sigma_max)
// sigma_max / sigma_min; ten times that is a field gone wrong (a
// checkpoint's weights scaled by 30 moved points by 1e74 and reported a
// finite log p of -3e148 nats, scaled by 2 one of -5e9).
const maxFlowMove = 10.0

// flownTooFar returns the coordinate z moved furthest from x, and by how
// much if that is beyond maxFlowMove sane moves (else 0).
func flownTooFar(z, x []float64, ve sampler.VE) (int, float64) {
	far, by, size := 0, 0.0, 0.0
	for j := range z {
		size = math.Max(size, math.Abs(x[j]))
		if d := math.Abs(z[j] - x[j]); d > by {
			far, by = j, d
		}
	}
	if by > maxFlowMove*(size+ve.Max)*ve.Max/ve.Min {
		return far, by
	}
	return 0, 0
}

// prior is log p_1(z).
func (s Settings) prior(z []float64) float64 {
	if s.Prior != nil {
		return s.Prior(z)
	}
	v := s.VE.Max * s.VE.Max
	sq := 0.0
	for _, x := range z {
		sq += x * x
	}
	return -0.5*float64(len(z))*math.Log(2*math.Pi*v) - sq/(2*v)
}

// flow is the augmented ODE of [x, the integral of div f] for a block of
// points starting at point first.
type flow struct {
	field  score.Field
	d, k   int
	s      Settings
	first  int
	probes [][]float64 // per point of the block, k x D (Hutchinson)
	// buffers for the rows of one evaluation
	x, sigmas, score, div, dirs []float64
	labels                      []int32
}

// Labelled is a field of a class-conditional model: UseLabels gives the
// points of its next Divergence their classes, one each.
type Labelled interface {
	UseLabels(labels []int32)
}

// probesOf returns point i's (of the block) probes, drawn on first use
// from its own stream: Rademacher, fixed for the whole solve.
func (f *flow) probesOf(i int) []float64 {
	if f.probes[i] == nil {
		rng := seeds.NewIndexed(f.s.Seed, seeds.Probe, uint64(f.s.index(f.first+i)))
		v := make([]float64, f.s.Probes*f.d)
		for j := range v {
			v[j] = float64(1 - 2*int(rng.Uint64()&1))
		}
		f.probes[i] = v
	}
	return f.probes[i]
}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// rhs is the solver's right-hand side: dx/dt = c(t) s, and the divergence
// row c(t) tr(ds/dx), c(t) = -g(t)^2/2.
func (f *flow) rhs(dst, y, t []float64, rows []int) error {
	n, d, m := len(t), f.d, f.d+1
	f.x, f.sigmas = grow(f.x, n*d), grow(f.sigmas, n)
	f.score, f.div = grow(f.score, n*d), grow(f.div, n)
	for r := range n {
		copy(f.x[r*d:(r+1)*d], y[r*m:r*m+d])
		f.sigmas[r] = f.s.VE.Sigma(t[r])
	}
	var probes []float64
	k := 0
	if f.s.Trace == Hutchinson {
		k = f.s.Probes
		f.dirs = grow(f.dirs, n*k*d)
		for r, i := range rows {
			copy(f.dirs[r*k*d:(r+1)*k*d], f.probesOf(i))
		}
		probes = f.dirs
	}
	if f.s.Labels != nil {
		f.labels = grow(f.labels, n)
		for r, i := range rows {
			f.labels[r] = f.s.Labels[f.first+i]
		}
		f.field.(Labelled).UseLabels(f.labels)
	}
	if err := f.field.Divergence(f.score, f.div, f.x, f.sigmas, probes, k); err != nil {
		return err
	}
	for r := range n {
		c := f.s.VE.FlowScale(t[r])
		for j := range d {
			dst[r*m+j] = c * f.score[r*d+j]
		}
		dst[r*m+d] = c * f.div[r]
	}
	return nil
}

// CheckMemory refuses, before any of it is allocated, the likelihood of n
// points of dimension d with probes probes each, plus extra bytes the
// caller needs beside it. Every point is solved at once: its state and the
// solver's copies and stages (internal/ode: about fourteen of n x (d+1)),
// the bookkeeping of each row (about 200 bytes with its results), and
// Hutchinson's probes, kept for every point.
func CheckMemory(n, d, probes int, extra float64) error {
	N, D := float64(n), float64(d)
	need := 8*15*N*(D+1) + 200*N + 8*N*float64(probes)*D + extra
	return memlimit.Check(need, fmt.Sprintf("likelihood: the ODE's state for %d points of dimension %d (%d probes each)", n, d, probes))
}
