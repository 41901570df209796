package datasets

import (
	"bytes"
	"math"
	"testing"

	"github.com/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

func checkPoints(t *testing.T, p Points) {
	t.Helper()
	if p.N < 1 || p.D < 1 || len(p.X) != p.N*p.D {
		t.Fatalf("read %d x %d points with %d values", p.N, p.D, len(p.X))
	}
}

// FuzzReadCSV: no text may crash the CSV reader; what it accepts is a
// well-formed point set.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"1,2\n3,4\n", "x,y\n1,2\n", "# c\n1\n2\n", "1,2\n3\n", "a,b\nc,d\n", "", "\"1\",2\n", "1e308,-1e308\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadCSV(bytes.NewReader(b))
		if err == nil {
			checkPoints(t, p)
		}
	})
}

// FuzzReadNPY: no bytes may crash the .npy reader.
func FuzzReadNPY(f *testing.F) {
	for _, v := range []any{mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}), []float64{1, 2}, []int64{1}, mat.NewDense(1, 1, []float64{math.NaN()})} {
		var buf bytes.Buffer
		if err := npyio.Write(&buf, v); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadNPY(bytes.NewReader(b))
		if err == nil {
			checkPoints(t, p)
		}
	})
}
