package strictyaml

import "testing"

func TestNearest(t *testing.T) {
	choices := []string{"train", "sample", "eval", "plot"}
	cases := []struct {
		name, word, want string
	}{
		{"exact", "train", "train"},
		{"one swap", "trian", "train"},
		{"one missing", "sampl", "sample"},
		{"two edits", "evl1", "eval"},
		{"three edits", "xyzl", ""},
		{"empty", "", ""},
		{"closest wins", "plat", "plot"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Nearest(c.word, choices); got != c.want {
				t.Errorf("Nearest(%q) = %q, want %q", c.word, got, c.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want int
	}{
		{"equal", "steps", "steps", 0},
		{"both empty", "", "", 0},
		{"one empty", "", "abc", 3},
		{"substitution", "steps", "stepz", 1},
		{"transposition", "setps", "steps", 2},
		{"insertion", "step", "steps", 1},
		{"kitten", "kitten", "sitting", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := editDistance(c.a, c.b); got != c.want {
				t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
			}
			if got := editDistance(c.b, c.a); got != c.want {
				t.Errorf("editDistance(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
			}
		})
	}
}

// A misspelled key is offered the first known key, in sorted order, within
// two edits, not necessarily the nearest.
func TestSuggest(t *testing.T) {
	fields := map[string]int{"rate": 0, "rates": 1, "steps": 2}
	cases := []struct {
		name, key, want string
	}{
		{"first in order", "ratex", `; did you mean "rate"?`},
		{"one match", "stepz", `; did you mean "steps"?`},
		{"none", "zzzzz", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := suggest(c.key, fields); got != c.want {
				t.Errorf("suggest(%q) = %q, want %q", c.key, got, c.want)
			}
		})
	}
}
