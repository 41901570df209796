package train

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
)

// metricsLog appends Records to a run's metrics.jsonl.
type metricsLog struct {
	f *os.File
}

// openMetrics opens path for appending after keeping only the records up to
// step keepThrough, so that a resumed run does not repeat the steps an
// interrupted one logged after its last checkpoint. keepThrough 0 starts
// afresh.
func openMetrics(path string, keepThrough int) (*metricsLog, error) {
	var kept bytes.Buffer
	if keepThrough > 0 {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("train: %w", err)
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
		return nil, fmt.Errorf("train: %w", err)
	}
	return &metricsLog{f: f}, nil
}

func (m *metricsLog) write(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("train: metrics at step %d: %w", r.Step, err)
	}
	if _, err := m.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("train: writing metrics: %w", err)
	}
	return nil
}

func (m *metricsLog) close() error { return m.f.Close() }

// ReadMetrics reads the records of a run directory's metrics.jsonl.
func ReadMetrics(runDir string) ([]Record, error) {
	path := filepath.Join(runDir, "metrics.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var records []Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("train: %s:%d: %w", path, line, err)
		}
		records = append(records, r)
	}
	return records, nil
}
