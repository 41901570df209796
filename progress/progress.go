// Package progress shows how far long work has got: a progress bar with a
// description, count, rate and ETA on a terminal, and nothing but what the
// caller logs itself elsewhere, so that logs stay plain lines.
package progress

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar reports progress towards a total.
type Bar interface {
	// Set records that done units are finished, with a short description
	// (for example the current loss).
	Set(done int, description string)
	// Finish ends the bar's line.
	Finish()
}

// New returns a bar on out when terminal is set, and a bar that shows
// nothing otherwise. unit names what is counted ("steps").
func New(out io.Writer, terminal bool, start, total int, unit string) Bar {
	if !terminal {
		return silent{}
	}
	b := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
	)
	b.Set(start)
	return &bar{b}
}

type bar struct{ b *progressbar.ProgressBar }

func (b *bar) Set(done int, description string) {
	b.b.Describe(description)
	b.b.Set(done)
}

func (b *bar) Finish() { b.b.Finish() }

type silent struct{}

func (silent) Set(int, string) {}
func (silent) Finish()         {}
