package strictyaml

import (
	"strings"
	"testing"
)

// FuzzDecode: no document may crash the decoder, and every error but
// ErrEmpty is an *Error of one line that starts with the package name.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("name: x\ntrain:\n  steps: 5\n  grid: [[1, 2]]\n"))
	f.Add([]byte("train: {setps: 1}\n"))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("- 1\n"))
	f.Add([]byte("box: {low: &a 1, high: *a}\nseed: 0x_ff\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		_, _, err := decode(string(text))
		if err == nil || err == ErrEmpty {
			return
		}
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error is a %T, want an *Error: %v", err, err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "strictyaml: ") || strings.Contains(msg, "\n") {
			t.Fatalf("error is not one line starting with the package name: %q", msg)
		}
	})
}
