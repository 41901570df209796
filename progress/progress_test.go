package progress

import (
	"strings"
	"testing"
)

func TestBarShowsOnlyOnTerminals(t *testing.T) {
	var quiet strings.Builder
	b := New(&quiet, false, 0, 10, "steps")
	b.Set(5, "loss 1.0")
	b.Finish()
	if quiet.Len() != 0 {
		t.Errorf("a non-terminal bar wrote %q; logs must stay plain lines", quiet.String())
	}
	var tty strings.Builder
	b = New(&tty, true, 0, 10, "steps")
	b.Set(10, "loss -1.2345")
	b.Finish()
	for _, want := range []string{"loss -1.2345", "10/10", "steps/s"} {
		if !strings.Contains(tty.String(), want) {
			t.Errorf("terminal bar %q lacks %q", tty.String(), want)
		}
	}
}
