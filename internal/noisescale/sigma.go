package noisescale

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"scorenet/internal/gemm"
)

// DefaultMaxPairs is a budget of point pairs for Sigma1, about 4M: all
// pairs of up to 2,896 points.
const DefaultMaxPairs = 1 << 22

// Sigma1 is technique 1's largest noise level: the largest Euclidean
// distance between two of the n points (row-major, n rows of d
// coordinates), which the paper takes as sigma_1 so that the widest
// Gaussian can carry a sample from any data point to any other.
//
// It is exact, every pair compared, when n(n-1)/2 <= maxPairs. Otherwise it
// compares every pair of a subsample: the m points, m the largest with
// m(m-1)/2 <= maxPairs, drawn uniformly without replacement with rng (the
// first m swaps of a Fisher-Yates shuffle of the indices). That estimate is
// a lower bound of the true maximum, as it takes the maximum over some of
// the pairs; it is the true maximum when both ends of an extreme pair are
// drawn, which happens with probability about (m/n)^2 for each such pair,
// and it is deterministic for a given state of rng. rng is used only when
// subsampling. Cost: maxPairs (or n(n-1)/2) distances of d coordinates.
//
// Sigma1 is NaN if n < 2 or d < 1 (no pair, no distance) or maxPairs < 1
// (no pair allowed); it panics if len(points) != n*d, or if rng is nil
// when it must subsample.
func Sigma1(points []float64, n, d int, maxPairs int, rng *rand.Rand) float64 {
	if n < 2 || d < 1 || maxPairs < 1 {
		return math.NaN()
	}
	checkLen(points, n, d)
	m := pointsForPairs(maxPairs)
	var idx []int
	if n <= m {
		idx = make([]int, n)
		for i := range idx {
			idx[i] = i
		}
	} else {
		idx = subsample(n, m, rng)
	}
	// The largest of the squared distances, which is the same whatever
	// the order the pairs are compared in: the rows of the triangle dealt
	// out in turn to the threads, which take about equal shares of it.
	parts := workers(len(idx) * len(idx) / 2 * d)
	bests := make([]float64, parts) // squared
	gemm.Run(parts, func(part int) {
		best := 0.0
		for a := part; a < len(idx); a += parts {
			xi := points[idx[a]*d : (idx[a]+1)*d]
			eachDist(xi, points, d, idx[a+1:], func(_ int, s float64) { best = max(best, s) })
		}
		bests[part] = best
	})
	return math.Sqrt(slices.Max(bests))
}

// workers is the number of threads a pass of work coordinate operations
// is split over: one below minParallel.
func workers(work int) int {
	if work < minParallel {
		return 1
	}
	return gemm.Threads()
}

// minParallel is the least work, in coordinates compared, worth handing to
// other threads.
const minParallel = 1 << 20

// eachDist calls use(k, s) with s the squared distance from x to the point
// of points (dimension d) that rows[k] names, k in order: four at a time,
// each summed as sqDist sums it (the same bits), four chains of additions
// in flight instead of one waiting on the last.
func eachDist(x, points []float64, d int, rows []int, use func(k int, s float64)) {
	k := 0
	for ; k+4 <= len(rows); k += 4 {
		s0, s1, s2, s3 := sqDist4(x, points[rows[k]*d:(rows[k]+1)*d], points[rows[k+1]*d:(rows[k+1]+1)*d],
			points[rows[k+2]*d:(rows[k+2]+1)*d], points[rows[k+3]*d:(rows[k+3]+1)*d])
		use(k, s0)
		use(k+1, s1)
		use(k+2, s2)
		use(k+3, s3)
	}
	for ; k < len(rows); k++ {
		use(k, sqDist(x, points[rows[k]*d:(rows[k]+1)*d]))
	}
}

// SigmaL is this package's rule for the smallest noise level sigma_L: the
// median, over up to maxPoints of the n points (all of them if n <=
// maxPoints, else a subsample drawn with rng as in Sigma1), of the distance
// from the point to its nearest distinct neighbour among all n points,
// divided by 10 sqrt(d).
//
// The noise at the last level moves a point by about sigma_L sqrt(d), so
// the rule keeps that displacement at a tenth of the typical spacing of the
// data: samples at sigma_L are the data up to detail finer than the data
// resolve, and a smaller sigma_L would only add levels (their number grows
// with log(sigma_1/sigma_L)). Along the line between two neighbours the
// Gaussians at sigma_L are then 10 sqrt(d) standard deviations apart, so
// the last level resolves every point. For CIFAR-10 in [0, 1] (d = 3072)
// the paper's hand-set 0.01 is this rule for a nearest-neighbour spacing
// of 10 * 0.01 * sqrt(3072) = 5.5. The median ignores a few duplicated or
// isolated points; exact duplicates are skipped when looking for a
// neighbour, as they say nothing about spacing.
//
// Cost: maxPoints times n distances of d coordinates. SigmaL is NaN if
// n < 2, d < 1, maxPoints < 1, or no sampled point has a distinct
// neighbour (all points equal); it panics if len(points) != n*d, or if rng
// is nil when it must subsample.
func SigmaL(points []float64, n, d int, maxPoints int, rng *rand.Rand) float64 {
	if n < 2 || d < 1 || maxPoints < 1 {
		return math.NaN()
	}
	checkLen(points, n, d)
	var idx []int
	if n <= maxPoints {
		idx = make([]int, n)
		for i := range idx {
			idx[i] = i
		}
	} else {
		idx = subsample(n, maxPoints, rng)
	}
	nearest := nearestSquared(points, n, d, idx)
	nn := make([]float64, 0, len(idx))
	for _, best := range nearest {
		if !math.IsInf(best, 1) {
			nn = append(nn, math.Sqrt(best))
		}
	}
	if len(nn) == 0 {
		return math.NaN()
	}
	slices.Sort(nn)
	k := len(nn)
	med := nn[k/2]
	if k%2 == 0 {
		med = (nn[k/2-1] + nn[k/2]) / 2
	}
	return med / (10 * math.Sqrt(float64(d)))
}

// nearestSquared is, for each point that idx names, the squared distance
// to its nearest distinct point among all n (+Inf if none is distinct).
// The data are read once, a share of the points per thread, each against
// every named point (kept together, in cache): a pass over all the data
// for each named point was the time of a train's start on an image set.
// The smallest of the same sums, whatever the order: the same bits.
func nearestSquared(points []float64, n, d int, idx []int) []float64 {
	m := len(idx)
	named, order := make([]float64, 0, m*d), make([]int, m)
	for a, i := range idx {
		named = append(named, points[i*d:(i+1)*d]...)
		order[a] = a
	}
	parts := min(workers(m*n*d), n)
	bests := make([][]float64, parts)
	gemm.Run(parts, func(part int) {
		best := slices.Repeat([]float64{math.Inf(1)}, m)
		keep := func(a int, s float64) {
			if s > 0 && s < best[a] {
				best[a] = s
			}
		}
		for j := part * n / parts; j < (part+1)*n/parts; j++ {
			// sqDist(y, x) has sqDist(x, y)'s bits: each difference is the
			// other's negation, with the same square.
			eachDist(points[j*d:(j+1)*d], named, d, order, keep)
		}
		bests[part] = best
	})
	nearest := bests[0]
	for _, b := range bests[1:] {
		for a, s := range b {
			nearest[a] = min(nearest[a], s)
		}
	}
	return nearest
}

// pointsForPairs is the largest m with m(m-1)/2 <= pairs, for pairs >= 1.
func pointsForPairs(pairs int) int {
	m := int((1 + math.Sqrt(1+8*float64(pairs))) / 2)
	fits := func(m int) bool { return m <= 1 || uint64(m)*uint64(m-1)/2 <= uint64(pairs) }
	for !fits(m) {
		m--
	}
	for fits(m + 1) {
		m++
	}
	return m
}

// subsample is m of the indices 0..n-1 (m < n), drawn uniformly without
// replacement by the first m swaps of a Fisher-Yates shuffle, in ascending
// order.
func subsample(n, m int, rng *rand.Rand) []int {
	if rng == nil {
		panic("noisescale: a random source is needed to subsample")
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := range m {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	idx = idx[:m]
	slices.Sort(idx)
	return idx
}

func checkLen(points []float64, n, d int) {
	if len(points) != n*d {
		panic(fmt.Sprintf("noisescale: %d points of dimension %d need %d values, got %d", n, d, n*d, len(points)))
	}
}

func sqDist(x, y []float64) float64 {
	var s float64
	for k, v := range x {
		t := v - y[k]
		s += t * t
	}
	return s
}

// sqDist4 is sqDist from x to four points at once, each sum the same.
func sqDist4(x, y0, y1, y2, y3 []float64) (s0, s1, s2, s3 float64) {
	y0, y1, y2, y3 = y0[:len(x)], y1[:len(x)], y2[:len(x)], y3[:len(x)]
	for k, v := range x {
		t0, t1, t2, t3 := v-y0[k], v-y1[k], v-y2[k], v-y3[k]
		s0 += t0 * t0
		s1 += t1 * t1
		s2 += t2 * t2
		s3 += t3 * t3
	}
	return s0, s1, s2, s3
}

// Geometric returns the n noise levels from begin down to end, equally
// spaced in log sigma, as NCSN uses; its ends are begin and end exactly.
func Geometric(begin, end float64, n int) []float64 {
	if n == 1 {
		return []float64{end}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Exp(math.Log(begin) + float64(i)*(math.Log(end)-math.Log(begin))/float64(n-1))
	}
	out[0], out[n-1] = begin, end
	return out
}

// Karras are the n noise levels of Karras et al. (2022, eq. 5) from
// max down to min: evenly spaced in sigma^(1/rho), so that for rho > 1 the
// steps crowd towards the small levels, where the denoiser changes fastest.
// rho = 7 is the paper's choice; rho = 1 is evenly spaced in sigma.
func Karras(max, min, rho float64, n int) []float64 {
	out := make([]float64, n)
	hi, lo := math.Pow(max, 1/rho), math.Pow(min, 1/rho)
	for i := range out {
		out[i] = math.Pow(hi+float64(i)/float64(n-1)*(lo-hi), rho)
	}
	out[0], out[n-1] = max, min // exact ends, whatever pow rounds to
	return out
}
