package checkpoints

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sample(step int) *Checkpoint {
	return &Checkpoint{
		Step: step,
		Tensors: []Tensor{
			{Name: "param/w", Shape: []int{2, 3}, Data: []float64{1, -2, 3.5, 1e-300, 0, float64(step)}},
			{Name: "param/b", Shape: []int{1, 2}, Data: []float32{0.25, -7}},
		},
		Meta: map[string]string{"model": "mlp", "config": "name: x\n"},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	want := sample(42)
	b, err := Encode(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the checkpoint:\n got %+v\nwant %+v", got, want)
	}
}

// The file must be plain safetensors: an 8-byte little-endian header length,
// a JSON header with dtype, shape and data_offsets per tensor and string
// metadata under __metadata__, then the data. That is what Python reads.
func TestEncodeIsStandardSafetensors(t *testing.T) {
	b, err := Encode(sample(1))
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatalf("header is not JSON: %v", err)
	}
	var w struct {
		DType   string   `json:"dtype"`
		Shape   []int    `json:"shape"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	if err := json.Unmarshal(header["param/w"], &w); err != nil {
		t.Fatal(err)
	}
	if w.DType != "F64" || !reflect.DeepEqual(w.Shape, []int{2, 3}) || w.Offsets != [2]int64{0, 48} {
		t.Errorf("param/w header entry %+v", w)
	}
	var meta map[string]string
	if err := json.Unmarshal(header["__metadata__"], &meta); err != nil {
		t.Fatal(err)
	}
	if meta["format"] != Format || meta["format_version"] != FormatVersion || meta["step"] != "1" || len(meta["sha256"]) != 64 {
		t.Errorf("metadata %v", meta)
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	good, err := Encode(sample(7))
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint64(good))
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x01
		return b
	}
	otherVersion, _ := Encode(sample(7))
	otherVersion = []byte(strings.Replace(string(otherVersion), `"format_version":"1"`, `"format_version":"9"`, 1))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated data", good[:len(good)-5], "not a valid safetensors file"},
		{"truncated header", good[:20], "not a valid safetensors file"},
		{"empty", nil, "not a valid safetensors file"},
		{"flipped data byte", flip(len(good) - 3), "integrity check failed"},
		{"flipped first data byte", flip(8 + n), "integrity check failed"},
		{"other format version", otherVersion, `format version "9"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestSaveKeepsNewestAndLeavesNoTemporaries(t *testing.T) {
	dir := t.TempDir()
	for step := 100; step <= 500; step += 100 {
		if _, err := Save(dir, sample(step), 3); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{Path(dir, 300), Path(dir, 400), Path(dir, 500)}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("kept %v, want %v", paths, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("directory holds %d entries, want the 3 checkpoints", len(entries))
	}
}

func TestNewestSkipsBrokenCheckpoints(t *testing.T) {
	dir := t.TempDir()
	for _, step := range []int{10, 20, 30} {
		if _, err := Save(dir, sample(step), 0); err != nil {
			t.Fatal(err)
		}
	}
	// A crash mid-write of step 30 would leave a temp file, never a partial
	// step-30 file; damage one anyway, as a disk error might.
	b, _ := os.ReadFile(Path(dir, 30))
	if err := os.WriteFile(Path(dir, 30), b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ".step-000000040.safetensors.tmp-1"), b[:10], 0o644)
	c, path, skipped, err := Newest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != 20 || path != Path(dir, 20) || len(skipped) != 1 {
		t.Errorf("newest good is step %d at %s with %d skipped (%v), want step 20 and 1 skipped", c.Step, path, len(skipped), skipped)
	}
	if _, _, _, err := Newest(t.TempDir()); err != ErrNoCheckpoint {
		t.Errorf("empty directory: got %v, want ErrNoCheckpoint", err)
	}
}

func TestEncodeRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		c    *Checkpoint
		want string
	}{
		{"reserved key", &Checkpoint{Meta: map[string]string{"sha256": "x"}}, "reserved"},
		{"shape mismatch", &Checkpoint{Tensors: []Tensor{{Name: "a", Shape: []int{3}, Data: []float64{1}}}}, "1 values for shape [3]"},
		{"duplicate", &Checkpoint{Tensors: []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{1}}, {Name: "a", Shape: []int{1}, Data: []float64{1}}}}, "twice"},
		{"int data", &Checkpoint{Tensors: []Tensor{{Name: "a", Shape: []int{1}, Data: []int{1}}}}, "unsupported"},
		// Found by FuzzMetadata: saved, such a file failed its hash when read.
		{"metadata not UTF-8", &Checkpoint{Meta: map[string]string{"norm": "\xff\xfe"}}, `checkpoints: metadata "norm" is not valid UTF-8, which the JSON header would change`},
		{"metadata key not UTF-8", &Checkpoint{Meta: map[string]string{"\xff": "x"}}, `checkpoints: metadata "\xff" is not valid UTF-8`},
		{"tensor name not UTF-8", &Checkpoint{Tensors: []Tensor{{Name: "w\xff", Shape: []int{1}, Data: []float64{1}}}}, `checkpoints: tensor name "w\xff" is not valid UTF-8`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Encode(c.c); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestFullDiskKeepsThePreviousCheckpoint(t *testing.T) {
	dir := t.TempDir()
	if _, err := Save(dir, sample(10), 3); err != nil {
		t.Fatal(err)
	}
	saved := writeAll
	defer func() { writeAll = saved }()
	writeAll = func(f *os.File, b []byte) error {
		f.Write(b[:len(b)/3]) // part of the file reaches the disk, then it is full
		return syscall.ENOSPC
	}
	_, err := Save(dir, sample(20), 3)
	if err == nil || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "step-000000020") {
		t.Fatalf("got %v, want a no-space error naming the file", err)
	}
	c, path, skipped, err := Newest(dir)
	if err != nil || c.Step != 10 || len(skipped) != 0 {
		t.Fatalf("after the failed write the newest checkpoint is %v at %s (skipped %v, %v), want step 10 intact", c, path, skipped, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the failed write left %d files, want only the step-10 checkpoint", len(entries))
	}
}

// A file too large to be a checkpoint (a sparse 8 GiB file here) is refused
// from its size, before it is read.
func TestLoadRefusesHugeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step-000000001.safetensors")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(8 << 30); err != nil {
		t.Skipf("cannot make a sparse 8 GiB file here: %v", err)
	}
	f.Close()
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "is 8589934592 bytes, more than a checkpoint can be") {
		t.Errorf("Load of an 8 GiB file: %v", err)
	}
}

// LoadHashed returns the hash recorded in the metadata: equal for the same
// content under two names, different for another step.
func TestLoadHashedNamesTheContent(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors"), filepath.Join(dir, "c.safetensors")
	for path, step := range map[string]int{a: 3, b: 3, c: 4} {
		if err := SaveAs(path, sample(step)); err != nil {
			t.Fatal(err)
		}
	}
	ca, ha, err := LoadHashed(a)
	if err != nil || ca.Step != 3 {
		t.Fatalf("LoadHashed: %v, step %v", err, ca)
	}
	_, hb, _ := LoadHashed(b)
	_, hc, _ := LoadHashed(c)
	raw, _ := os.ReadFile(a)
	n := binary.LittleEndian.Uint64(raw)
	var header struct {
		Meta map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal(raw[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	if len(ha) != 64 || ha != header.Meta["sha256"] || ha != hb || ha == hc {
		t.Errorf("hashes %q %q %q; the file records %q", ha, hb, hc, header.Meta["sha256"])
	}
	if _, h, err := LoadHashed(filepath.Join(dir, "missing")); err == nil || h != "" {
		t.Errorf("a missing file: %q, %v", h, err)
	}
}

// A checkpoint copied under a newer step's name is refused by Load, so
// Newest skips it (with the reason) and falls back to the real newest;
// a FIFO where a checkpoint should be is refused without blocking.
func TestLoadRefusesAMisnamedStepOrAFIFO(t *testing.T) {
	dir := t.TempDir()
	if _, err := Save(dir, sample(400), 0); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(Path(dir, 400))
	if err != nil {
		t.Fatal(err)
	}
	forged := Path(dir, 800)
	if err := os.WriteFile(forged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(forged); err == nil || !strings.Contains(err.Error(), "named for step 800 but holds step 400") {
		t.Errorf("Load of step 400 named step 800: %v", err)
	}
	c, path, skipped, err := Newest(dir)
	if err != nil {
		t.Fatalf("Newest: %v", err)
	}
	if c.Step != 400 || path != Path(dir, 400) || len(skipped) != 1 {
		t.Errorf("Newest: step %d at %s, %d skipped; want step 400 with the copy skipped", c.Step, path, len(skipped))
	}
	renamed := filepath.Join(dir, "mine.safetensors")
	if err := os.WriteFile(renamed, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(renamed); err != nil {
		t.Errorf("a name that is not step-numbered: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a FIFO, not a regular file") {
			t.Errorf("Load of a FIFO: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load of a FIFO blocked")
	}
}
