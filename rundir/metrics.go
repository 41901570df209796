package rundir

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"scorenet/internal/safefile"
	"scorenet/losses"
)

// metricsFile is the run directory's training log, one JSON record a line.
const metricsFile = "metrics.jsonl"

// Record is one line of metrics.jsonl: means over the steps since the
// previous record, and the held-out loss where it was computed.
type Record struct {
	Step     int     `json:"step"`
	Loss     float64 `json:"loss"`
	Trace    float64 `json:"trace,omitempty"` // the "Hessian" term (exact, sliced)
	Norm     float64 `json:"norm,omitempty"`  // the "Norm" term (exact, sliced)
	GradNorm float64 `json:"grad_norm"`
	// LR is the learning rate of the record's last step, in a run whose
	// rate falls (train.lr_decay).
	LR    float64       `json:"lr,omitempty"`
	Valid *losses.Terms `json:"valid,omitempty"`
	// Nearest is, in a refit's first training and a run of
	// train.nearness, the samples' nearness to the training rows against
	// new rows' (workflow.NearestRatio), and NearestError its standard
	// error in its logarithm.
	Nearest      float64 `json:"nearest_ratio,omitempty"`
	NearestError float64 `json:"nearest_ratio_error,omitempty"`
	Elapsed      float64 `json:"elapsed_seconds"`
}

// maxMetricsLine bounds one line of metrics.jsonl. A record is a few
// hundred bytes; a longer line is damage, reported, never skipped.
const maxMetricsLine = 1 << 20

// MetricsLog appends Records to a run's metrics.jsonl, each line whole or
// not at all.
type MetricsLog struct {
	f    *os.File
	size int64 // the file's length after the last whole line
}

// OpenMetrics opens the run directory's metrics.jsonl for appending, after
// keeping only the records up to step keepThrough, so that a resumed run
// does not repeat the steps an interrupted one logged after its last
// checkpoint; keepThrough 0 starts afresh. A torn last line (a write cut
// short) is dropped and said so on warn; any other damage is an error.
func OpenMetrics(runDir string, keepThrough int, warn io.Writer) (*MetricsLog, error) {
	path := filepath.Join(runDir, metricsFile)
	// The lines kept are streamed into the new file, not held: a run
	// logged at every step can have written hundreds of megabytes.
	var kept int64
	err := safefile.WriteFrom(path, func(w io.Writer) error {
		if keepThrough <= 0 {
			return nil
		}
		var werr error
		err := scanMetrics(path, func(r Record, line []byte) {
			if r.Step <= keepThrough && werr == nil {
				var n int
				if n, werr = w.Write(line); werr == nil {
					_, werr = w.Write([]byte{'\n'})
				}
				kept += int64(n) + 1
			}
		}, warn)
		if errors.Is(err, fs.ErrNotExist) {
			return werr
		}
		return errors.Join(err, werr)
	})
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	return &MetricsLog{f: f, size: kept}, nil
}

// Write appends r as one line. A write cut short (a full disk) is undone,
// so the file never ends in a torn line.
func (m *MetricsLog) Write(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("rundir: metrics at step %d: %w", r.Step, err)
	}
	if _, err := appendLine(m.f, append(b, '\n')); err != nil {
		if terr := m.f.Truncate(m.size); terr != nil {
			return fmt.Errorf("rundir: writing metrics at step %d: %w (and cutting back the partial line: %v)", r.Step, err, terr)
		}
		return fmt.Errorf("rundir: writing metrics at step %d: %w", r.Step, err)
	}
	m.size += int64(len(b) + 1)
	return nil
}

// appendLine is the write Write makes; tests replace it with one that is
// cut short, as on a full disk.
var appendLine = func(f *os.File, b []byte) (int, error) { return f.Write(b) }

// Close closes the file.
func (m *MetricsLog) Close() error { return m.f.Close() }

// ReadMetrics reads the records of a run directory's metrics.jsonl for a
// figure: every record (the training loss) and those with a held-out loss,
// each thinned evenly to at most 2 maxCurve (every k-th, k a power of two,
// and the last), so that a run logged at every step of millions reads in
// bounded memory. A torn last line, which a crash mid-write of an older
// version could leave, is dropped and said so on warn.
func ReadMetrics(runDir string, maxCurve int, warn io.Writer) (all, valid []Record, err error) {
	a, v := thinning{max: maxCurve, stride: 1}, thinning{max: maxCurve, stride: 1}
	err = scanMetrics(filepath.Join(runDir, metricsFile), func(r Record, _ []byte) {
		a.add(r)
		if r.Valid != nil {
			v.add(r)
		}
	}, warn)
	if err != nil {
		return nil, nil, err
	}
	return a.records(), v.records(), nil
}

// thinning keeps every stride-th record it is given, doubling the stride
// (and dropping every other record kept) whenever 2 max are kept.
type thinning struct {
	max, stride, seen int
	kept              []Record
	last              Record
}

func (t *thinning) add(r Record) {
	if t.seen%t.stride == 0 {
		t.kept = append(t.kept, r)
		if len(t.kept) >= 2*t.max {
			for i := range len(t.kept) / 2 {
				t.kept[i] = t.kept[2*i]
			}
			t.kept, t.stride = t.kept[:len(t.kept)/2], 2*t.stride
		}
	}
	t.seen++
	t.last = r
}

// records are the kept records and the last, in order.
func (t *thinning) records() []Record {
	if t.seen > 0 && (t.seen-1)%t.stride != 0 {
		return append(t.kept, t.last)
	}
	return t.kept
}

// scanMetrics calls each for every record of the file at path, in order.
func scanMetrics(path string, each func(Record, []byte), warn io.Writer) error {
	if warn == nil {
		warn = io.Discard
	}
	f, err := safefile.Open(path)
	if err != nil {
		return fmt.Errorf("rundir: %w", err)
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(rd)
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errLongLine) {
			return fmt.Errorf("rundir: %s:%d: a line over %d bytes: not a metrics record; the file is damaged", path, lineNo, maxMetricsLine)
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("rundir: %s: %w", path, err)
		}
		var r Record
		if jerr := json.Unmarshal(line, &r); jerr != nil {
			if err == io.ErrUnexpectedEOF { // the last line, without its newline
				fmt.Fprintf(warn, "%s:%d: dropping a torn last line (%d bytes, cut short by an interrupted write)\n", path, lineNo, len(line))
				return nil
			}
			return fmt.Errorf("rundir: %s:%d: %v", path, lineNo, jerr)
		}
		each(r, line)
	}
}

var errLongLine = errors.New("line too long")

// readLine returns the next line without its newline: io.EOF at the end,
// io.ErrUnexpectedEOF with a last line that has no newline, errLongLine
// past maxMetricsLine bytes.
func readLine(rd *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := rd.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxMetricsLine {
			return nil, errLongLine
		}
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return line, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}
