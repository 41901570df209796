package train

import (
	"fmt"
	"io"
	"time"

	"scorenet/progress"
	"scorenet/rundir"
)

// reporter shows training as it goes: a bar on a terminal, a log line per
// record elsewhere.
type reporter struct {
	out      io.Writer
	terminal bool
	total    int
	bar      progress.Bar
	valid    string
	lastLine time.Time // off a terminal: when the last line was written
}

func newReporter(out io.Writer, terminal bool, from, total int) *reporter {
	return &reporter{out: out, terminal: terminal, total: total, bar: progress.New(out, terminal, from, total, "steps"), lastLine: time.Now()}
}

// step shows the step on the bar; off a terminal, where records are the
// lines, it writes one when none has come for progress.LogEvery (slow
// steps, or a large log_every), so that a job's log says it is moving.
func (r *reporter) step(step int, loss float64) {
	r.bar.Set(step, fmt.Sprintf("loss %+.4f%s", loss, r.valid))
	if !r.terminal && time.Since(r.lastLine) >= progress.LogEvery {
		fmt.Fprintf(r.out, "step %d/%d loss %.6g (this step's; a record every train.log_every steps)\n", step, r.total, loss)
		r.lastLine = time.Now()
	}
}

func (r *reporter) record(rec rundir.Record, stepsPerSecond float64) {
	if r.terminal {
		if rec.Valid != nil {
			r.valid = fmt.Sprintf(" val %+.4f", rec.Valid.Loss)
		}
		return
	}
	valid, terms := "", ""
	if rec.Valid != nil {
		valid = fmt.Sprintf(" valid %.6g", rec.Valid.Loss)
	}
	if rec.Trace != 0 || rec.Norm != 0 {
		terms = fmt.Sprintf(" (trace %.6g, norm %.6g)", rec.Trace, rec.Norm)
	}
	lr := ""
	if rec.LR > 0 {
		lr = fmt.Sprintf(" lr %.3g", rec.LR)
	}
	fmt.Fprintf(r.out, "step %d/%d loss %.6g%s%s grad_norm %.3g%s %.1f steps/s\n",
		rec.Step, r.total, rec.Loss, terms, valid, rec.GradNorm, lr, stepsPerSecond)
	r.lastLine = time.Now()
}
