package gemm

import (
	"fmt"
	"testing"
)

// Interleave lays rows out as a panel, element (r, p) at p mr + r, with
// zeros for the missing rows, at any depth (beyond kc too).
func TestInterleave(t *testing.T) {
	for _, c := range []struct {
		name    string
		depth   int
		missing []int
	}{
		{"full panel", 5, nil},
		{"one column", 1, nil},
		{"last rows missing", 33, []int{5, 6, 7}},
		{"deeper than a block", 3*kc + 7, []int{0, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rows [mr][]float32
			for r := range rows {
				rows[r] = make([]float32, c.depth+2) // longer than read
				for p := range rows[r] {
					rows[r][p] = float32(1000*r + p + 1)
				}
			}
			for _, r := range c.missing {
				rows[r] = nil
			}
			dst := make([]float32, c.depth*mr)
			for k := range dst {
				dst[k] = -1
			}
			Interleave(dst, &rows, c.depth)
			for p := range c.depth {
				for r := range mr {
					want := float32(0)
					if rows[r] != nil {
						want = rows[r][p]
					}
					if got := dst[p*mr+r]; got != want {
						t.Fatal(fmt.Sprintf("(%d, %d) = %v, want %v", r, p, got, want))
					}
				}
			}
		})
	}
}
