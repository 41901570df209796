package checkpoints

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"scorenet/internal/memlimit"
	"strings"
	"testing"
)

// Load asks the memory budget for the file, its tensors and what its JSON
// header costs to parse, before reading it: a header of 10^6 bytes of
// shape [1,1,...] took 23 bytes a byte to parse.
func TestLoadAsksTheBudget(t *testing.T) {
	h := `{"w":{"dtype":"F64","shape":[` + strings.Repeat("1,", 500000) + `1],"data_offsets":[0,8]}}`
	h += strings.Repeat(" ", (8-len(h)%8)%8)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	b = append(append(b, h...), make([]byte, 8)...)
	path := filepath.Join(t.TempDir(), "step-000000001.safetensors")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(c func(float64, string) error) { checkMemory = c }(checkMemory)
	budget := 16.0 * (1 << 20)
	checkMemory = func(need float64, what string) error {
		if need > budget {
			return fmt.Errorf("%s needs %s of memory, more than the %s available (a test's budget)", what, memlimit.Size(need), memlimit.Size(budget))
		}
		return nil
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(path)
	runtime.ReadMemStats(&after)
	want := "checkpoints: reading " + path + " needs 24.8 MiB of memory, more than the 16.0 MiB available (a test's budget)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("refusing allocated %d bytes", got)
	}
	budget = 32 << 20
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), `checkpoints: format "", want "scorenet.checkpoint"`) {
		t.Errorf("within the budget: got %v, want the format refused", err)
	}
}
