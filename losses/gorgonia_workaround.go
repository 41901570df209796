package losses

import (
	"fmt"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// derivField is the unexported field where gorgonia caches a node's
// derivative between calls to Grad. Backpropagate reuses it on any later
// call ("skipping - previously differentiated"), which is right for one call
// and wrong for the D+1 calls of the exact loss: the second call starts from
// derivatives of the first one's cost. Upstream has no public way to clear
// it, so clearDerivatives reaches in; TestKnownIssueGradCachesDerivatives
// fails if an upgrade moves or retypes the field.
const derivField = "deriv"

var derivOffset = func() uintptr {
	f, ok := reflect.TypeOf(G.Node{}).FieldByName(derivField)
	if !ok || f.Type != reflect.TypeOf((*G.Node)(nil)) {
		panic(fmt.Sprintf("losses: gorgonia.Node has no field %s *Node; the Grad workaround needs updating", derivField))
	}
	return f.Offset
}()

// clearDerivatives forgets every cached derivative in g, so that the next
// Grad differentiates its cost from scratch.
func clearDerivatives(g *G.ExprGraph) {
	for _, n := range g.AllNodes() {
		*(**G.Node)(unsafe.Add(unsafe.Pointer(n), derivOffset)) = nil
	}
}

// grad is gorgonia's Grad made safe to call many times on one graph.
func grad(cost *G.Node, wrt ...*G.Node) (G.Nodes, error) {
	clearDerivatives(cost.Graph())
	return G.Grad(cost, wrt...)
}
