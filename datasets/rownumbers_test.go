package datasets

import (
	"strconv"
	"testing"
)

// A first column named as an id whose cells number the rows in order is
// the rows' numbers; any other column of numbers is data.
func TestRowNumbers(t *testing.T) {
	count := func(from, n int) []string {
		var c []string
		for i := range n {
			c = append(c, strconv.Itoa(from+i))
		}
		return c
	}
	for _, c := range []struct {
		name  string
		head  string
		cells []string
		want  bool
	}{
		{"Kaggle's Id from 1", "Id", count(1, 150), true},
		{"an index from 0", "index", count(0, 20), true},
		{"spaces around", " ID ", []string{" 1", "2 ", "3"}, true},
		{"from 5", "Id", count(5, 20), false},
		{"a gap", "id", []string{"1", "2", "4"}, false},
		{"out of order", "id", []string{"2", "1", "3"}, false},
		{"years named year", "year", count(1, 20), false},
		{"one row", "id", []string{"1"}, false},
		{"decimals", "id", []string{"1.0", "2.0"}, false},
	} {
		if got := rowNumbers(c.head, c.cells); got != c.want {
			t.Errorf("%s: rowNumbers(%q, %v) = %v, want %v", c.name, c.head, c.cells, got, c.want)
		}
	}
}
