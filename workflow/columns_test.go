package workflow

import (
	"fmt"
	"strings"
	"testing"
)

// A start-up line names at most listedColumns columns and counts the rest.
func TestDiscreteDescribeListsTheFirstColumns(t *testing.T) {
	for _, c := range []struct {
		name    string
		columns int
		tail    string
	}{
		{"a few", 3, ": 1 (2 values), 2 (2 values), 3 (2 values)"},
		{"as many as listed", listedColumns, fmt.Sprintf(", %d (2 values)", listedColumns)},
		{"a table of pixels", 784, fmt.Sprintf(", %d (2 values), and %d more", listedColumns, 784-listedColumns)},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Discrete{}
			for j := range c.columns {
				d[j] = []float64{0, 1}
			}
			got := d.Describe()
			if !strings.HasPrefix(got, fmt.Sprintf("%d discrete column(s)", c.columns)) || !strings.HasSuffix(got, c.tail) {
				t.Errorf("Describe() = %q, want it to end %q", got, c.tail)
			}
		})
	}
}
