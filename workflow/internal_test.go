package workflow

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scorenet/datasets"
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
			got := d.Describe(1)
			if !strings.HasPrefix(got, fmt.Sprintf("%d discrete column(s), trained spread over each value's cell", c.columns)) || !strings.HasSuffix(got, c.tail) {
				t.Errorf("Describe(1) = %q, want it to end %q", got, c.tail)
			}
			if got := d.Describe(0.5); !strings.Contains(got, "spread over 0.5 of each value's cell about it (data.discrete_spread)") {
				t.Errorf("Describe(0.5) = %q, want it to say the share", got)
			}
		})
	}
}

// Dropping the rows with a missing value refuses to empty the table or
// one of its classes, naming it.
func TestDropIncompleteKeepsEveryClass(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, text, err string }{
		{"a class's rows all incomplete", "a,y\n1,cat\nNA,dog\n2,cat\n,dog\n", "every one of class dog (1)'s 2 rows has a missing value"},
		{"every row incomplete", "a,y\nNA,cat\n,dog\n", "every one of its 2 rows has a missing value"},
		{"a row of each class left", "a,y\n1,cat\nNA,dog\n2,dog\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, labels, names, err := datasets.LoadLabelledMissing(path, "y")
			if err != nil {
				t.Fatal(err)
			}
			err = dropIncomplete(&f, &labels, names)
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Errorf("error %v, want %q", err, c.err)
			}
		})
	}
}
