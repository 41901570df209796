package ode

import (
	"fmt"
	"math"
	"testing"
)

// decay is a damped rotation, (a, b)' = -lambda (a, b) + (-b, a), whose
// solution is known: e^{-lambda (t - t0)} R(t - t0) (a0, b0). Each row
// carries its own lambda as a third, constant value, since the solver
// hands f its unfinished rows in varying order.
func decay(dst, y, t []float64, _ []int) error {
	for r := range t {
		a, b, l := y[3*r], y[3*r+1], y[3*r+2]
		dst[3*r], dst[3*r+1], dst[3*r+2] = -l*a-b, a-l*b, 0
	}
	return nil
}

// rows lays out points (a, b) with their lambdas as decay's rows.
func rows(ab, lambda []float64) []float64 {
	var y []float64
	for r, l := range lambda {
		y = append(y, ab[2*r], ab[2*r+1], l)
	}
	return y
}

func exactDecay(l, dt, a, b float64) (float64, float64) {
	e := math.Exp(-l * dt)
	c, s := math.Cos(dt), math.Sin(dt)
	return e * (c*a - s*b), e * (s*a + c*b)
}

func TestSolveMatchesClosedForm(t *testing.T) {
	for _, tc := range []struct {
		name       string
		t0, t1     float64
		rtol, atol float64
		tol        float64
	}{
		{"forward, loose", 0, 3, 1e-4, 1e-6, 2e-3},
		{"forward, tight", 0, 3, 1e-9, 1e-12, 1e-7},
		{"backward", 2, -1, 1e-8, 1e-10, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lambda := []float64{0.1, 1, 5}
			y0 := []float64{1, 0, 0.5, -2, 3, 1}
			y := rows(y0, lambda)
			st, err := Solve(decay, y, 3, tc.t0, tc.t1, Settings{Rtol: tc.rtol, Atol: tc.atol})
			if err != nil {
				t.Fatal(err)
			}
			for r := range 3 {
				a, b := exactDecay(lambda[r], tc.t1-tc.t0, y0[2*r], y0[2*r+1])
				if e := math.Hypot(y[3*r]-a, y[3*r+1]-b); e > tc.tol*max(1, math.Hypot(a, b)) { // absolute, or relative where it grows
					t.Errorf("row %d: error %.3g > %.3g", r, e, tc.tol)
				}
				if got := st.Evaluations[r]; got != 2+6*(st.Accepted[r]+st.Rejected[r]) {
					t.Errorf("row %d: %d evaluations for %d+%d steps", r, got, st.Accepted[r], st.Rejected[r])
				}
			}
		})
	}
}

// A row's result must not depend on the rows solved with it.
func TestSolveRowsIndependent(t *testing.T) {
	y := rows([]float64{1, 2, -1, 0.5, 3, 3, 0.1, -0.2}, []float64{0.3, 4, 0.02, 1})
	together := append([]float64(nil), y...)
	stAll, err := Solve(decay, together, 3, 0, 5, Settings{Rtol: 1e-6, Atol: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	for r := range 4 {
		one := append([]float64(nil), y[3*r:3*r+3]...)
		st, err := Solve(decay, one, 3, 0, 5, Settings{Rtol: 1e-6, Atol: 1e-9})
		if err != nil {
			t.Fatal(err)
		}
		if one[0] != together[3*r] || one[1] != together[3*r+1] || st.Evaluations[0] != stAll.Evaluations[r] {
			t.Errorf("row %d alone: %v (%d evaluations), together: %v (%d)", r, one, st.Evaluations[0], together[3*r:3*r+2], stAll.Evaluations[r])
		}
	}
	if stAll.Evaluations[1] <= stAll.Evaluations[2] {
		t.Errorf("the fast row took %d evaluations, the slow one %d: steps are not per row", stAll.Evaluations[1], stAll.Evaluations[2])
	}
}

// The error must shrink with the tolerance at about the method's order.
func TestSolveConverges(t *testing.T) {
	prev := math.Inf(1)
	for _, tol := range []float64{1e-3, 1e-5, 1e-7, 1e-9} {
		y := []float64{1, 0, 1}
		if _, err := Solve(decay, y, 3, 0, 4, Settings{Rtol: tol, Atol: tol}); err != nil {
			t.Fatal(err)
		}
		a, b := exactDecay(1, 4, 1, 0)
		e := math.Hypot(y[0]-a, y[1]-b)
		if e > 50*tol || e >= prev {
			t.Errorf("tolerance %g: error %.3g (previous %.3g)", tol, e, prev)
		}
		prev = e
	}
}

func TestSolveRefuses(t *testing.T) {
	ok := Func(decay)
	nan := func(dst, y, t []float64, _ []int) error {
		for i := range dst {
			dst[i] = math.NaN()
		}
		return nil
	}
	blowup := func(dst, y, t []float64, _ []int) error { // y' = y^2 from 1: infinite at t = 1
		for i := range dst {
			dst[i] = y[i] * y[i]
		}
		return nil
	}
	for _, tc := range []struct {
		name string
		f    Func
		y    []float64
		s    Settings
	}{
		{"no rows", ok, nil, Settings{Rtol: 1e-6, Atol: 1e-6}},
		{"zero rtol", ok, []float64{1, 1, 1}, Settings{Atol: 1e-6}},
		{"not finite", nan, []float64{1, 1, 1}, Settings{Rtol: 1e-6, Atol: 1e-6}},
		{"blow-up", blowup, []float64{1, 1, 1}, Settings{Rtol: 1e-6, Atol: 1e-6, MaxSteps: 2000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Solve(tc.f, tc.y, 3, 0, 2, tc.s)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); msg[:4] != "ode:" {
				t.Errorf("error %q does not name the package", msg)
			}
		})
	}
}

func ExampleSolve() {
	// y' = -y from y(0) = 1: y(1) = 1/e.
	f := func(dst, y, t []float64, _ []int) error {
		for i := range y {
			dst[i] = -y[i]
		}
		return nil
	}
	y := []float64{1}
	st, err := Solve(f, y, 1, 0, 1, Settings{Rtol: 1e-8, Atol: 1e-10})
	if err != nil {
		panic(err)
	}
	fmt.Printf("y(1) = %.8f (1/e = %.8f), %d evaluations\n", y[0], math.Exp(-1), st.Evaluations[0])
	// Output: y(1) = 0.36787944 (1/e = 0.36787944), 74 evaluations
}

// Progress reports the share of the span the slowest row has covered: it
// never falls, stays within [0, 1], ends at 1, and leaves the result as it
// is.
func TestSolveProgress(t *testing.T) {
	y0 := rows([]float64{1, 2, -1, 0.5, 3, 3}, []float64{0.3, 4, 0.02})
	plain := append([]float64(nil), y0...)
	if _, err := Solve(decay, plain, 3, 2, -3, Settings{Rtol: 1e-6, Atol: 1e-9}); err != nil {
		t.Fatal(err)
	}
	var shares []float64
	watched := append([]float64(nil), y0...)
	_, err := Solve(decay, watched, 3, 2, -3, Settings{Rtol: 1e-6, Atol: 1e-9, Progress: func(s float64) { shares = append(shares, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) < 3 || shares[len(shares)-1] != 1 {
		t.Fatalf("progress %v: want several reports ending at 1", shares)
	}
	for i, s := range shares {
		if s < 0 || s > 1 || (i > 0 && s < shares[i-1]) {
			t.Errorf("report %d is %v after %v: want a share in [0, 1] that never falls", i, s, shares[max(0, i-1)])
		}
	}
	if fmt.Sprint(watched) != fmt.Sprint(plain) {
		t.Errorf("watching changed the result: %v, want %v", watched, plain)
	}
}
