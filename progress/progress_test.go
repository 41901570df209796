package progress

import (
	"strings"
	"testing"
	"time"
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

// Off a terminal, Logged writes a line at most every LogEvery, saying how
// far the work is and how long it has left at its rate so far.
func TestLoggedWritesAtMostEveryInterval(t *testing.T) {
	var out strings.Builder
	b := Logged(&out, false, 0, 100, "steps", "sample").(*logged)
	now := b.began
	b.clock = func() time.Time { return now }
	for step := 1; step <= 100; step++ {
		now = now.Add(time.Second) // one step a second: a line every 10 steps
		b.Set(step, "")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines in 100 s, want 10:\n%s", len(lines), out.String())
	}
	if lines[1] != "sample: 20/100 steps (20%), 20s so far, about 1m20s left" {
		t.Errorf("second line %q", lines[1])
	}
}
