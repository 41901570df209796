package progress

import (
	"strings"
	"testing"
)

// A bar stopped short shows where the work stopped, with its last
// description, not a full bar; a finished one shows the total.
func TestBarShowsTheTruth(t *testing.T) {
	for _, c := range []struct {
		name      string
		finish    bool
		want, not string
	}{
		{"stopped", false, "37/200", "200/200"},
		{"finished", true, "200/200", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out strings.Builder
			b := New(&out, true, 0, 200, "steps")
			for i := 1; i <= 37; i++ {
				b.Set(i, "loss 1.0")
			}
			b.Set(37, "loss 0.5 val 0.25") // within the throttle: not drawn yet
			if c.finish {
				b.Set(200, "done")
				b.Finish()
			} else {
				b.Stop()
			}
			frames := strings.Split(out.String(), "\r")
			last := frames[len(frames)-1]
			if !strings.Contains(last, c.want) || (c.not != "" && strings.Contains(out.String(), c.not)) {
				t.Errorf("last frame %q, want %q and never %q", last, c.want, c.not)
			}
			if !c.finish && !strings.Contains(last, "val 0.25") {
				t.Errorf("last frame %q lacks the last description", last)
			}
		})
	}
}
