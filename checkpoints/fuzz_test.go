package checkpoints

import (
	"reflect"
	"testing"
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
