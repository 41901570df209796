package rundir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"scorenet/checkpoints"
	"scorenet/losses"
)

// metricsFile is the run directory's training log, one JSON record a line.
const metricsFile = "metrics.jsonl"

// Record is one line of metrics.jsonl: means over the steps since the
// previous record, and the held-out loss where it was computed.
type Record struct {
	Step     int           `json:"step"`
	Loss     float64       `json:"loss"`
	Trace    float64       `json:"trace,omitempty"` // the "Hessian" term (exact, sliced)
	Norm     float64       `json:"norm,omitempty"`  // the "Norm" term (exact, sliced)
	GradNorm float64       `json:"grad_norm"`
	Valid    *losses.Terms `json:"valid,omitempty"`
	Elapsed  float64       `json:"elapsed_seconds"`
}

// MetricsLog appends Records to a run's metrics.jsonl.
type MetricsLog struct {
	f *os.File
}

// OpenMetrics opens the run directory's metrics.jsonl for appending after keeping only the records up to
// step keepThrough, so that a resumed run does not repeat the steps an
// interrupted one logged after its last checkpoint. keepThrough 0 starts
// afresh.
func OpenMetrics(runDir string, keepThrough int) (*MetricsLog, error) {
	path := filepath.Join(runDir, metricsFile)
	var kept bytes.Buffer
	if keepThrough > 0 {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("rundir: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(old))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r Record
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.Step <= keepThrough {
				kept.Write(sc.Bytes())
				kept.WriteByte('\n')
			}
		}
	}
	if err := checkpoints.WriteFileAtomic(path, kept.Bytes()); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	return &MetricsLog{f: f}, nil
}

// Write appends r as one line.
func (m *MetricsLog) Write(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("rundir: metrics at step %d: %w", r.Step, err)
	}
	if _, err := m.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("rundir: writing metrics: %w", err)
	}
	return nil
}

// Close closes the file.
func (m *MetricsLog) Close() error { return m.f.Close() }

// ReadMetrics reads the records of a run directory's metrics.jsonl.
func ReadMetrics(runDir string) ([]Record, error) {
	path := filepath.Join(runDir, metricsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	var records []Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("rundir: %s:%d: %w", path, line, err)
		}
		records = append(records, r)
	}
	return records, nil
}
