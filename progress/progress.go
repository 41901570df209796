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
	// Finish ends the bar's line, the work done.
	Finish()
	// Stop ends the bar's line where the work stopped short, showing the
	// last count and description as they are, not as done.
	Stop()
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
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
	)
	b.Set(start)
	return &bar{b: b, done: start}
}

// throttle spaces redraws: the bar's own throttle would also hold back the
// last frame before Stop, which must show the truth.
const throttle = 100 * time.Millisecond

type bar struct {
	b           *progressbar.ProgressBar
	done        int
	description string
	drawn       time.Time
}

func (b *bar) Set(done int, description string) {
	b.done, b.description = done, description
	if done >= b.b.GetMax() || time.Since(b.drawn) >= throttle {
		b.draw()
	}
}

func (b *bar) draw() {
	b.b.Describe(b.description)
	b.b.Set(b.done)
	b.drawn = time.Now()
}

func (b *bar) Finish() {
	b.draw()
	b.b.Finish()
}

func (b *bar) Stop() {
	b.draw()
	b.b.Exit()
}

type silent struct{}

// Silent is a bar that shows nothing, for work whose bar is not made yet.
var Silent Bar = silent{}

func (silent) Set(int, string) {}
func (silent) Finish()         {}
func (silent) Stop()           {}

// LogEvery is how often a Logged bar off a terminal writes a line.
const LogEvery = 10 * time.Second

// Logged is New on a terminal; elsewhere it writes a plain line, what
// done/total unit (percent), elapsed and the time left at the rate so far,
// at most once every LogEvery, so that long work off a terminal (a job's
// log) still says it is moving.
func Logged(out io.Writer, terminal bool, start, total int, unit, what string) Bar {
	if terminal {
		return New(out, terminal, start, total, unit)
	}
	now := time.Now()
	return &logged{out: out, total: total, unit: unit, what: what, began: now, last: now, clock: time.Now}
}

type logged struct {
	out         io.Writer
	total       int
	unit, what  string
	began, last time.Time
	clock       func() time.Time
}

func (l *logged) Set(done int, _ string) {
	now := l.clock()
	if now.Sub(l.last) < LogEvery || done <= 0 {
		return
	}
	l.last = now
	elapsed := now.Sub(l.began)
	left := time.Duration(float64(elapsed) * float64(l.total-done) / float64(done))
	fmt.Fprintf(l.out, "%s: %d/%d %s (%.0f%%), %s so far, about %s left\n",
		l.what, done, l.total, l.unit, 100*float64(done)/float64(max(l.total, 1)), elapsed.Round(time.Second), left.Round(time.Second))
}

func (l *logged) Finish() {}
func (l *logged) Stop()   {}
