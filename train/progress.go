package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Record is one line of metrics.jsonl: means over the steps since the
// previous record, and the validation loss where it was computed.
type Record struct {
	Step     int     `json:"step"`
	Loss     float64 `json:"loss"`
	Trace    float64 `json:"trace"` // the "Hessian" term
	Norm     float64 `json:"norm"`  // the "Norm" term
	GradNorm float64 `json:"grad_norm"`
	Valid    *Terms  `json:"valid,omitempty"`
	Elapsed  float64 `json:"elapsed_seconds"`
}

// progress shows training as it goes: a bar on a terminal, log lines
// elsewhere.
type progress interface {
	step(step int, loss float64)
	record(r Record, stepsPerSecond float64)
	finish()
}

func newProgress(out io.Writer, terminal bool, from, total int) progress {
	if !terminal {
		return &lineProgress{out: out, total: total}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription("loss       "),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
	)
	bar.Set(from)
	return &barProgress{bar: bar}
}

type barProgress struct {
	bar   *progressbar.ProgressBar
	valid string
}

func (b *barProgress) step(step int, loss float64) {
	b.bar.Describe(fmt.Sprintf("loss %+.4f%s", loss, b.valid))
	b.bar.Set(step)
}

func (b *barProgress) record(r Record, _ float64) {
	if r.Valid != nil {
		b.valid = fmt.Sprintf(" val %+.4f", r.Valid.Loss)
	}
}

func (b *barProgress) finish() { b.bar.Finish() }

type lineProgress struct {
	out   io.Writer
	total int
}

func (l *lineProgress) step(int, float64) {}

func (l *lineProgress) record(r Record, rate float64) {
	valid := ""
	if r.Valid != nil {
		valid = fmt.Sprintf(" valid %.6g", r.Valid.Loss)
	}
	fmt.Fprintf(l.out, "step %d/%d loss %.6g (trace %.6g, norm %.6g)%s grad_norm %.3g %.1f steps/s\n",
		r.Step, l.total, r.Loss, r.Trace, r.Norm, valid, r.GradNorm, rate)
}

func (l *lineProgress) finish() {}
