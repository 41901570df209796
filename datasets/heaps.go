package datasets

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"scorenet/points"
)

// Heaps are a table's continuous columns a share of whose values are
// whole numbers while the rest are not (heaping: heights reported to the
// inch beside heights converted from centimetres, ages and weights
// rounded by those who report them), each with that share: that share of
// its samples, chosen at random, is rounded to whole numbers, so that
// the samples hold whole values as often as the rows do. A smooth density
// has none: dslabs' heights, 79% of them whole numbers, drew 0%, and a
// random forest told its samples from held-out rows at 0.80 by height
// alone (0.54 once 79% of them were rounded).
type Heaps map[int]Heap

// Heap is a heaped column's share of whole numbers, and the range of its
// values, which a rounded sample stays inside (a maximum of 90.6 rounds
// a sample of 90.8 down, not up to 91).
type Heap struct {
	Share float64 `json:"share"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// A column is heaped where at least minHeaped and at most maxHeaped of
// its rows hold whole numbers (all of them: Whole), at least minHeapValues
// different ones (a few: point masses, Ends, or a discrete column).
const (
	minHeaped     = 0.2
	maxHeaped     = 0.98
	minHeapValues = 5
	// heapOverChance is how many times its chance share a column of k
	// decimal places must hold whole numbers to be heaped.
	heapOverChance = 3
)

// FindHeaps finds the heaped columns of p (data units) among those that
// are not discrete or whole. A column written to k decimal places holds
// whole numbers by chance a 10^-k share of the time: it is heaped only
// where they are at least heapOverChance times that share (weights to
// the tenth of a kilo, 60% of them whole kilos); tens and hundreds are
// whole anyway.
func FindHeaps(p points.Points, discrete map[int][]float64, whole Whole, places Places) Heaps {
	var out Heaps
	for j := range p.D {
		if _, ok := discrete[j]; ok || slices.Contains(whole, j) || p.N == 0 {
			continue
		}
		least := minHeaped
		if k, ok := places[j]; ok && k <= 0 {
			continue
		} else if ok {
			least = max(least, heapOverChance*math.Pow(10, -float64(k)))
		}
		seen := map[float64]bool{}
		n, lo, hi := 0, math.Inf(1), math.Inf(-1)
		for i := range p.N {
			x := p.X[i*p.D+j]
			lo, hi = min(lo, x), max(hi, x)
			if x == math.Trunc(x) && math.Abs(x) <= maxWhole {
				n++
				seen[x] = true
			}
		}
		if share := float64(n) / float64(p.N); share >= least && share <= maxHeaped && len(seen) >= minHeapValues {
			if out == nil {
				out = Heaps{}
			}
			out[j] = Heap{Share: share, Low: lo, High: hi}
		}
	}
	return out
}

// Round rounds each heaped column's value of p's rows to a whole number
// with the column's share as its chance, the draw a row's own: row i is
// the samples' chain chains[i], and its draw is the same whatever the
// other rows (a shard draws the bits of those rows of the whole), from
// seed.
func (h Heaps) Round(p points.Points, seed uint64, chains []int) {
	for j, c := range h {
		for i := range p.N {
			if heapDraw(seed, uint64(chains[i]), uint64(j)) >= c.Share {
				continue
			}
			x := &p.X[i*p.D+j]
			r := math.Round(*x)
			switch {
			case r > c.High:
				r = math.Floor(*x)
			case r < c.Low:
				r = math.Ceil(*x)
			}
			if r < c.Low || r > c.High { // no whole number inside: as drawn
				continue
			}
			*x = r
			if *x == 0 {
				*x = 0 // not -0
			}
		}
	}
}

// heapDraw is a uniform number in [0, 1) from seed, row and column
// (splitmix64's finaliser over their mix): a row's draw does not depend on
// how many rows are drawn or in what order.
func heapDraw(seed, row, col uint64) float64 {
	z := seed ^ (row+1)*0x9e3779b97f4a7c15 ^ (col+1)*0xbf58476d1ce4e5b9
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// Describe says which columns are heaped, with their shares, for the
// start-up lines.
func (h Heaps) Describe(cats []Category, names []string) string {
	cols := slices.Sorted(maps.Keys(h))
	parts := make([]string, len(cols))
	for k, j := range cols {
		parts[k] = fmt.Sprintf("%s (%.0f%%)", ColumnLabel(cats, names, j), 100*h[j].Share)
	}
	return fmt.Sprintf("%d column(s) some of whose values are whole numbers and the rest not (heaped: reported rounded), whose samples are rounded to whole numbers in the same share: %s", len(cols), strings.Join(parts, ", "))
}
