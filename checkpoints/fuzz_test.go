package checkpoints

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/maruel/safetensors"
)

// FuzzDecode: no bytes may crash the checkpoint reader, and whatever it
// accepts encodes back to a file that decodes to the same checkpoint.
func FuzzDecode(f *testing.F) {
	good, err := Encode(sample(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{}}        "))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(c)
		if err != nil {
			t.Fatalf("a decoded checkpoint does not encode: %v", err)
		}
		back, err := Decode(again)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("re-encoded checkpoint decodes to %+v (%v), want %+v", back, err, c)
		}
	})
}

// FuzzLoad: no file may crash Load or make it allocate by a claim (its
// 8-byte header length, the header's shapes and offsets); its errors are
// one line; it accepts what Decode accepts, and what it accepts saves and
// loads back the same.
func FuzzLoad(f *testing.F) {
	good, err := Encode(sample(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<40))
	f.Add(append(binary.LittleEndian.AppendUint64(nil, 99_000_000), `{"a":{}}`...))
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{}}        "))
	f.Add([]byte("\x40\x00\x00\x00\x00\x00\x00\x00{\"w\":{\"dtype\":\"F64\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,8]}}\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		// Not step-numbered: Load checks such a name against the step.
		path := filepath.Join(dir, "fuzzed.safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		_, derr := Decode(b)
		if (err == nil) != (derr == nil) {
			t.Fatalf("Load: %v; Decode: %v", err, derr)
		}
		if err != nil {
			if s := err.Error(); strings.Contains(s, "\n") {
				t.Fatalf("error of more than one line: %q", s)
			}
			return
		}
		again := filepath.Join(dir, "again.safetensors")
		if err := SaveAs(again, c); err != nil {
			t.Fatalf("a loaded checkpoint does not save: %v", err)
		}
		back, err := Load(again)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("saved again, it loads as %+v (%v), want %+v", back, err, c)
		}
	})
}

// FuzzMetadata: any metadata a caller gives either is refused by Encode or
// saves and loads back the same; and metadata written by another program
// (the reserved keys included, with a correct hash) either decodes to
// exactly what was written or is refused, never crashing Decode.
func FuzzMetadata(f *testing.F) {
	f.Add("model", "mlp", "3")
	f.Add("config", "name: x\nseed: 0\n", "0")
	f.Add("", "", "")
	f.Add("step", "5", "5")
	f.Add("format", "safetensors", "1")
	f.Add("format_version", "2", "1")
	f.Add("sha256", "00", "1")
	f.Add("norm", "\xff\xfe not UTF-8", "7")
	f.Add("\u2028", "\x00\"\\", "+12")
	f.Add("k", "v", "-1")
	f.Add("k", "v", "99999999999999999999")
	f.Fuzz(func(t *testing.T, key, value, step string) {
		// Through Encode, as scorenet writes.
		n, _ := strconv.Atoi(step)
		c := sample(max(n, 0))
		c.Meta = map[string]string{key: value}
		path := filepath.Join(t.TempDir(), "meta.safetensors")
		if err := SaveAs(path, c); err != nil {
			if s := err.Error(); !strings.HasPrefix(s, "checkpoints: ") || strings.Contains(s, "\n") {
				t.Fatalf("Encode's error %q", s)
			}
		} else if back, err := Load(path); err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("metadata {%q: %q} saved, loads as %+v (%v)", key, value, back, err)
		}

		// Written by another program: any keys, the hash right.
		f := safetensors.File{
			Metadata: map[string]string{keyFormat: Format, keyVersion: FormatVersion, keyStep: step, key: value},
			Tensors:  []safetensors.Tensor{{Name: "w", DType: safetensors.F64, Shape: []uint64{1}, Data: make([]byte, 8)}},
		}
		f.Metadata[keyHash] = digest(&f)
		var buf bytesBuffer
		if err := f.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(buf)
		if err != nil {
			return
		}
		if want, _ := strconv.Atoi(f.Metadata[keyStep]); got.Step != want {
			t.Fatalf("step %q decoded as %d", f.Metadata[keyStep], got.Step)
		}
		for k, v := range f.Metadata {
			switch k {
			case keyFormat, keyVersion, keyStep, keyHash:
				continue
			}
			if got.Meta[k] != v {
				t.Fatalf("metadata %q: %q decoded as %q", k, v, got.Meta[k])
			}
		}
	})
}
