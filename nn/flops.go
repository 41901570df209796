package nn

import (
	"math"
	"strings"

	G "gorgonia.org/gorgonia"
)

// MatmulFLOPs counts the floating-point operations of the matrix products
// in g: 2mkn for each (m x k)(k x n). Elementwise work is left out, so it
// is a lower bound on the work of one run of the graph, and the part that
// BLAS speed governs.
func MatmulFLOPs(g *G.ExprGraph) float64 {
	total := 0.0
	for _, n := range g.AllNodes() {
		if n.Op() == nil || !strings.HasPrefix(n.Op().String(), "A") || !strings.Contains(n.Op().String(), "×") {
			continue
		}
		operands := g.From(n.ID())
		sizes := 1.0
		count := 0
		for operands.Next() {
			sizes *= float64(operands.Node().(*G.Node).Shape().TotalSize())
			count++
		}
		out := n.Shape()
		if count != 2 || len(out) != 2 {
			continue
		}
		m, cols := float64(out[0]), float64(out[1])
		k := math.Sqrt(sizes / (m * cols))
		total += 2 * m * cols * k
	}
	return total
}

// MatmulFLOPs is the matrix-product work of one forward pass of sc's
// batch (for the hand-written pass, of the last chunk it scored).
func (sc *Scorer) MatmulFLOPs() float64 {
	if sc.coreFLOPs != nil {
		return sc.coreFLOPs()
	}
	return MatmulFLOPs(sc.g)
}
