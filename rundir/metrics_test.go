package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func writeMetrics(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, metricsFile), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const twoRecords = `{"step":10,"loss":1,"grad_norm":1,"elapsed_seconds":1}
{"step":20,"loss":2,"grad_norm":1,"elapsed_seconds":2}
`

// A torn last line is dropped, saying so, by readers and by resume alike;
// damage anywhere else is an error naming the line, never a silent skip.
func TestMetricsDamage(t *testing.T) {
	cases := []struct {
		name, text string
		records    int    // -1: an error
		want       string // in the warning or the error
	}{
		{"whole", twoRecords, 2, ""},
		{"torn last line", twoRecords + `{"step":30,"lo`, 2, "metrics.jsonl:3: dropping a torn last line (14 bytes"},
		{"bad line inside", `{"step":10` + "\n" + twoRecords, -1, "metrics.jsonl:1: unexpected end of JSON input"},
		{"line over 1 MiB", twoRecords + `{"step":25,"note":"` + strings.Repeat("x", 1<<20) + `"}` + "\n" + twoRecords, -1,
			"metrics.jsonl:3: a line over 1048576 bytes: not a metrics record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeMetrics(t, c.text)
			var warn strings.Builder
			records, _, err := ReadMetrics(dir, 1000, &warn)
			if c.records < 0 {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("ReadMetrics: %v, want an error containing %q", err, c.want)
				}
				if _, err := OpenMetrics(dir, 100, &warn); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("OpenMetrics (resume): %v, want an error containing %q", err, c.want)
				}
				return
			}
			if err != nil || len(records) != c.records || !strings.Contains(warn.String(), c.want) {
				t.Fatalf("ReadMetrics: %d records, %v, warning %q; want %d and %q", len(records), err, warn.String(), c.records, c.want)
			}
			m, err := OpenMetrics(dir, 100, &warn)
			if err != nil {
				t.Fatal(err)
			}
			m.Close()
			if b, _ := os.ReadFile(filepath.Join(dir, metricsFile)); string(b) != twoRecords {
				t.Errorf("resume kept %q, want the whole records only", b)
			}
		})
	}
}

// A write cut short, as on a full disk, is undone: the file still ends with
// a whole line, and the next write appends after it.
func TestMetricsWriteIsWholeOrNothing(t *testing.T) {
	dir := writeMetrics(t, twoRecords)
	m, err := OpenMetrics(dir, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	real := appendLine
	defer func() { appendLine = real }()
	appendLine = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2])
		return n, syscall.ENOSPC
	}
	if err := m.Write(Record{Step: 30, Loss: 3}); err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "step 30") {
		t.Errorf("cut-short write: %v, want the full disk and step 30 named", err)
	}
	appendLine = real
	if err := m.Write(Record{Step: 40, Loss: 4}); err != nil {
		t.Fatal(err)
	}
	records, _, err := ReadMetrics(dir, 1000, nil)
	if err != nil || len(records) != 3 || records[2].Step != 40 {
		t.Errorf("after a cut-short write: %+v, %v; want steps 10, 20, 40", records, err)
	}
}

// A log of many records reads thinned evenly to a bounded number, the
// first and the last kept, the held-out ones thinned apart.
func TestReadMetricsThinsLongLogs(t *testing.T) {
	var b strings.Builder
	for step := 1; step <= 100000; step++ {
		if step%1000 == 0 {
			fmt.Fprintf(&b, `{"step":%d,"loss":%d,"valid":{"loss":1}}`+"\n", step, step)
		} else {
			fmt.Fprintf(&b, `{"step":%d,"loss":%d}`+"\n", step, step)
		}
	}
	b.WriteString("{}\n") // a record with no fields is a record
	dir := writeMetrics(t, b.String())
	all, valid, err := ReadMetrics(dir, 500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) > 1001 || len(all) < 500 || all[0].Step != 1 || all[len(all)-1].Step != 0 {
		t.Errorf("%d records from %d to %d, want 500 to 1000 thinned evenly, then the last", len(all), all[0].Step, all[len(all)-1].Step)
	}
	stride := all[1].Step - all[0].Step
	for i := 1; i+1 < len(all); i++ {
		if all[i].Step-all[i-1].Step != stride {
			t.Fatalf("records %d and %d are %d steps apart, the first two %d: not thinned evenly", i-1, i, all[i].Step-all[i-1].Step, stride)
		}
	}
	if len(valid) != 100 || valid[99].Step != 100000 {
		t.Errorf("%d held-out records, want all 100", len(valid))
	}
}
