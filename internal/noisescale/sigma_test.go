package noisescale

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"scorenet/internal/gemm"
)

// ball is n points of dimension d drawn uniformly in the ball of the given
// radius around center (nil: the origin).
func ball(n, d int, radius float64, center []float64, rng *rand.Rand) []float64 {
	p := make([]float64, n*d)
	for i := range n {
		x := p[i*d : (i+1)*d]
		var norm float64
		for k := range x {
			x[k] = rng.NormFloat64()
			norm += x[k] * x[k]
		}
		r := radius * math.Pow(rng.Float64(), 1/float64(d)) / math.Sqrt(norm)
		for k := range x {
			x[k] *= r
			if center != nil {
				x[k] += center[k]
			}
		}
	}
	return p
}

// TestSigma1Exact: sets whose largest distance is known by construction.
func TestSigma1Exact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// A cloud in the unit ball with two points planted at -10 e1 and 10 e1:
	// no other pair is further apart than 11.
	planted := ball(300, 4, 1, nil, rng)
	planted[17*4] = -10
	planted[17*4+1], planted[17*4+2], planted[17*4+3] = 0, 0, 0
	planted[230*4] = 10
	planted[230*4+1], planted[230*4+2], planted[230*4+3] = 0, 0, 0
	cases := []struct {
		name   string
		points []float64
		n, d   int
		want   float64
	}{
		{"two points", []float64{1, 2, 4, 6}, 2, 2, 5},
		{"unit square", []float64{0, 0, 1, 0, 0, 1, 1, 1}, 4, 2, math.Sqrt2},
		{"line", []float64{3, -1, 7, 0.5, 2}, 5, 1, 8},
		{"simplex", []float64{
			1, 0, 0, 0, 0,
			0, 1, 0, 0, 0,
			0, 0, 1, 0, 0,
			0, 0, 0, 1, 0,
			0, 0, 0, 0, 1,
		}, 5, 5, math.Sqrt2},
		{"duplicates only", []float64{2, 2, 2, 2, 2, 2}, 3, 2, 0},
		{"planted pair", planted, 300, 4, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// maxPairs exactly n(n-1)/2 is still exact, and needs no rng.
			got := Sigma1(c.points, c.n, c.d, c.n*(c.n-1)/2, nil)
			if math.Abs(got-c.want) > 1e-14*max(1, c.want) {
				t.Errorf("Sigma1 = %.17g, want %.17g", got, c.want)
			}
			if got2 := Sigma1(c.points, c.n, c.d, DefaultMaxPairs, nil); got2 != got {
				t.Errorf("Sigma1 with DefaultMaxPairs = %v, want %v", got2, got)
			}
		})
	}
}

// TestSigma1Subsample: on two far clusters every cross pair is nearly the
// extreme one, so a subsample that hits both finds the maximum to within
// the clusters' width; on a round cloud the estimate is a lower bound.
func TestSigma1Subsample(t *testing.T) {
	const d = 3
	rng := rand.New(rand.NewPCG(3, 4))
	a := ball(1000, d, 0.01, []float64{-5, 0, 0}, rng)
	b := ball(1000, d, 0.01, []float64{5, 0, 0}, rng)
	clusters := append(a, b...)
	exact := Sigma1(clusters, 2000, d, 2000*1999/2, nil)
	if !(exact > 10 && exact <= 10.02) {
		t.Fatalf("exact = %v, want in (10, 10.02]", exact)
	}
	const cloudN = 2500 // within DefaultMaxPairs: exact
	cloud := ball(cloudN, 8, 1, nil, rng)
	cloudExact := Sigma1(cloud, cloudN, 8, DefaultMaxPairs, nil)
	cases := []struct {
		name     string
		points   []float64
		n, d     int
		exact    float64
		maxPairs int
		relTol   float64 // estimate >= (1 - relTol) exact; -1: lower bound only
	}{
		{"clusters, 14 points", clusters, 2000, d, exact, 91, 0.002},
		{"clusters, 100 points", clusters, 2000, d, exact, 4950, 0.002},
		{"cloud, 45 points", cloud, cloudN, 8, cloudExact, 990, -1},
		{"cloud, 1000 points", cloud, cloudN, 8, cloudExact, 499500, 0.05},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for seed := range uint64(20) {
				est := Sigma1(c.points, c.n, c.d, c.maxPairs, rand.New(rand.NewPCG(seed, 99)))
				if !(est <= c.exact) {
					t.Errorf("seed %d: estimate %v above the exact %v", seed, est, c.exact)
				}
				if c.relTol >= 0 && !(est >= (1-c.relTol)*c.exact) {
					t.Errorf("seed %d: estimate %v below (1 - %g) x exact %v", seed, est, c.relTol, c.exact)
				}
				again := Sigma1(c.points, c.n, c.d, c.maxPairs, rand.New(rand.NewPCG(seed, 99)))
				if math.Float64bits(again) != math.Float64bits(est) {
					t.Errorf("seed %d: %v then %v from the same seed", seed, est, again)
				}
			}
		})
	}
	// Different seeds draw different subsamples: on the cloud the estimates
	// are not all equal.
	first := Sigma1(cloud, cloudN, 8, 990, rand.New(rand.NewPCG(0, 99)))
	same := true
	for seed := uint64(1); seed < 5; seed++ {
		same = same && Sigma1(cloud, cloudN, 8, 990, rand.New(rand.NewPCG(seed, 99))) == first
	}
	if same {
		t.Errorf("five seeds gave the same estimate %v", first)
	}
}

func TestPointsForPairs(t *testing.T) {
	cases := []struct {
		name  string
		pairs int
	}{
		{"one pair", 1},
		{"two pairs", 2},
		{"three pairs", 3},
		{"five pairs", 5},
		{"six pairs", 6},
		{"default", DefaultMaxPairs},
		{"large", 1 << 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := uint64(pointsForPairs(c.pairs))
			if p := uint64(c.pairs); !(m*(m-1)/2 <= p && (m+1)*m/2 > p) {
				t.Errorf("pointsForPairs(%d) = %d: not the largest m with m(m-1)/2 <= %d", c.pairs, m, c.pairs)
			}
		})
	}
}

func TestSubsample(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	counts := make([]int, 10)
	for range 20000 {
		idx := subsample(10, 3, rng)
		if len(idx) != 3 || !(idx[0] < idx[1] && idx[1] < idx[2]) || idx[0] < 0 || idx[2] >= 10 {
			t.Fatalf("subsample(10, 3) = %v: want 3 distinct ascending indices", idx)
		}
		for _, i := range idx {
			counts[i]++
		}
	}
	// Each index is drawn with probability 3/10: 6000 of 20000, sd 65.
	for i, c := range counts {
		if math.Abs(float64(c)-6000) > 400 {
			t.Errorf("index %d drawn %d times, want 6000 within 400", i, c)
		}
	}
}

// grid is the regular grid of side k and spacing h in d dimensions.
func grid(k, d int, h float64) []float64 {
	n := 1
	for range d {
		n *= k
	}
	p := make([]float64, 0, n*d)
	for i := range n {
		j := i
		for range d { // coordinate c of point i is digit c of i in base k
			p = append(p, h*float64(j%k))
			j /= k
		}
	}
	return p
}

// TestSigmaL: sets whose nearest-neighbour distances are known.
func TestSigmaL(t *testing.T) {
	g2 := grid(10, 2, 0.3)
	if len(g2) != 200 || g2[2*37] != 0.3*float64(7) || g2[2*37+1] != 0.3*float64(3) {
		t.Fatalf("grid: point 37 is %v, want (2.1, 0.9)", g2[2*37:2*38])
	}
	g3 := grid(5, 3, 2)
	doubled := append(append([]float64(nil), g2...), g2...)
	// On a line at 0, 1, 3, 7, 15 the nearest neighbours are 1, 1, 2, 4, 8
	// away: median 2.
	line := []float64{7, 0, 15, 1, 3}
	// Two clusters of three points, within each 0.1 apart, plus an outlier:
	// the median ignores the outlier's distance.
	clusters := []float64{0, 0.1, 0.2, 5, 5.1, 5.2, 100}
	cases := []struct {
		name      string
		points    []float64
		n, d      int
		maxPoints int
		spacing   float64 // the median nearest-neighbour distance
	}{
		{"2-D grid, all points", g2, 100, 2, 100, 0.3},
		{"2-D grid, subsample", g2, 100, 2, 7, 0.3},
		{"3-D grid, subsample", g3, 125, 3, 20, 2},
		{"2-D grid twice over", doubled, 200, 2, 1000, 0.3},
		{"line", line, 5, 1, 5, 2},
		{"clusters and an outlier", clusters, 7, 1, 10, 0.1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.spacing / (10 * math.Sqrt(float64(c.d)))
			got := SigmaL(c.points, c.n, c.d, c.maxPoints, rand.New(rand.NewPCG(7, 8)))
			if math.Abs(got-want) > 1e-12*want {
				t.Errorf("SigmaL = %.17g, want %.17g", got, want)
			}
			scaled := make([]float64, len(c.points))
			for i, v := range c.points {
				scaled[i] = 3 * v
			}
			if s := SigmaL(scaled, c.n, c.d, c.maxPoints, rand.New(rand.NewPCG(7, 8))); math.Abs(s-3*got) > 1e-12*got {
				t.Errorf("SigmaL of the points x3 = %v, want %v", s, 3*got)
			}
		})
	}
}

func TestSigmaEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	one := []float64{1, 2, 3}
	same := []float64{1, 1, 1, 1, 1, 1}
	cases := []struct {
		name string
		got  float64
	}{
		{"Sigma1 one point", Sigma1(one, 1, 3, 10, rng)},
		{"Sigma1 no points", Sigma1(nil, 0, 3, 10, rng)},
		{"Sigma1 d=0", Sigma1(nil, 3, 0, 10, rng)},
		{"Sigma1 maxPairs=0", Sigma1(same, 3, 2, 0, rng)},
		{"SigmaL one point", SigmaL(one, 1, 3, 10, rng)},
		{"SigmaL d=0", SigmaL(nil, 3, 0, 10, rng)},
		{"SigmaL maxPoints=0", SigmaL(same, 3, 2, 0, rng)},
		{"SigmaL all points equal", SigmaL(same, 3, 2, 10, rng)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !math.IsNaN(c.got) {
				t.Errorf("got %v, want NaN", c.got)
			}
		})
	}
	panics := []struct {
		name string
		f    func()
	}{
		{"Sigma1 short points", func() { Sigma1(one, 2, 3, 10, rng) }},
		{"Sigma1 needs rng", func() { Sigma1(make([]float64, 8), 4, 2, 5, nil) }},
		{"SigmaL long points", func() { SigmaL(same, 2, 2, 10, rng) }},
		{"SigmaL needs rng", func() { SigmaL(same, 3, 2, 2, nil) }},
	}
	for _, c := range panics {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("no panic")
				}
			}()
			c.f()
		})
	}
}

func TestKarrasLevels(t *testing.T) {
	for _, tc := range []struct {
		name          string
		max, min, rho float64
		n             int
	}{
		{"edm", 80, 0.002, 7, 18},
		{"even", 10, 1, 1, 10},
		{"two", 50, 0.01, 7, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Karras(tc.max, tc.min, tc.rho, tc.n)
			if len(got) != tc.n || got[0] != tc.max || got[tc.n-1] != tc.min {
				t.Fatalf("levels %v: want %d from %v to %v", got, tc.n, tc.max, tc.min)
			}
			for i := 1; i < tc.n; i++ {
				if !(got[i] < got[i-1]) {
					t.Fatalf("level %d is %v after %v", i, got[i], got[i-1])
				}
				// Evenly spaced in sigma^(1/rho).
				step := math.Pow(got[i], 1/tc.rho) - math.Pow(got[i-1], 1/tc.rho)
				want := (math.Pow(tc.min, 1/tc.rho) - math.Pow(tc.max, 1/tc.rho)) / float64(tc.n-1)
				if math.Abs(step-want) > 1e-12*math.Abs(want) {
					t.Errorf("step %d in sigma^(1/rho) is %v, want %v", i, step, want)
				}
			}
		})
	}
}

// Sigma1 and SigmaL split over threads and four distances at a time give
// the bits of one thread comparing one pair at a time (written out here),
// on any number of threads, above and below the size worth splitting.
func TestSigmasHaveTheBitsOfOnePairAtATime(t *testing.T) {
	defer gemm.SetThreads(0)
	oneAtATime := func(points []float64, n, d int) (far, near float64) {
		var nn []float64
		for i := range n {
			best := math.Inf(1)
			for j := range n {
				s := sqDist(points[i*d:(i+1)*d], points[j*d:(j+1)*d])
				if j > i {
					far = max(far, s)
				}
				if s > 0 && s < best {
					best = s
				}
			}
			nn = append(nn, math.Sqrt(best))
		}
		slices.Sort(nn)
		med := nn[n/2]
		if n%2 == 0 {
			med = (nn[n/2-1] + nn[n/2]) / 2
		}
		return math.Sqrt(far), med / (10 * math.Sqrt(float64(d)))
	}
	for _, c := range []struct {
		name string
		n, d int
	}{{"small", 11, 3}, {"worth splitting", 402, 37}} {
		rng := rand.New(rand.NewPCG(3, uint64(c.n)))
		points := make([]float64, c.n*c.d)
		for i := range points {
			points[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
		}
		wantFar, wantNear := oneAtATime(points, c.n, c.d)
		for _, threads := range []int{1, 2, 8} {
			gemm.SetThreads(threads)
			far := Sigma1(points, c.n, c.d, DefaultMaxPairs, nil)
			near := SigmaL(points, c.n, c.d, c.n, nil)
			if math.Float64bits(far) != math.Float64bits(wantFar) || math.Float64bits(near) != math.Float64bits(wantNear) {
				t.Errorf("%s, %d threads: Sigma1 %v, SigmaL %v; one pair at a time %v, %v", c.name, threads, far, near, wantFar, wantNear)
			}
		}
	}
}
