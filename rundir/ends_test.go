package rundir

import (
	"strings"
	"testing"

	"scorenet/checkpoints"
)

// A checkpoint's column ends are read back, walls with masses, and the
// ends that cannot be are refused, naming the column.
func TestEndsMetadata(t *testing.T) {
	for _, c := range []struct {
		name, meta string
		err        string
	}{
		{"masses and walls", `{"low":{"0":0},"wall_low":{"1":0.5},"wall_high":{"1":2}}`, ""},
		{"a mass and a wall at one end", `{"low":{"0":0},"wall_low":{"0":0}}`, "column 1: want"},
		{"walls the wrong way round", `{"wall_low":{"1":3},"wall_high":{"1":2}}`, "column 2: want"},
		{"a wall past the data's columns", `{"wall_high":{"2":1}}`, "column 3: want a column of the data's 2"},
		{"a wall above a mass at the other end", `{"low":{"0":5},"wall_high":{"0":4}}`, "column 1: want"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := endsOf(&checkpoints.Checkpoint{Meta: map[string]string{metaEnds: c.meta}}, "ckpt", 2)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.err == "" && (e.Low[0] != 0 || e.WallLow[1] != 0.5 || e.WallHigh[1] != 2):
				t.Errorf("read back %+v", e)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "ckpt")):
				t.Errorf("error %v, want one naming the file and %q", err, c.err)
			}
		})
	}
}

// A checkpoint's decimal places are read back, and the impossible ones
// refused, naming the column.
func TestPlacesMetadata(t *testing.T) {
	discrete := map[int][]float64{1: {0, 1}}
	for _, c := range []struct {
		name, meta string
		err        string
	}{
		{"places and tens", `{"0":2,"2":-1}`, ""},
		{"a discrete column", `{"1":2}`, "column 2: want"},
		{"no places", `{"0":0}`, "column 1: want"},
		{"past the data's columns", `{"3":1}`, "column 4: want a column of the data's 3"},
		{"not places", `[0]`, "bad places metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl, err := placesOf(&checkpoints.Checkpoint{Meta: map[string]string{metaPlaces: c.meta}}, "ckpt", 3, discrete)
			switch {
			case c.err == "" && (err != nil || pl[0] != 2 || pl[2] != -1):
				t.Errorf("read back %v, %v", pl, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "ckpt")):
				t.Errorf("error %v, want one naming the file and %q", err, c.err)
			}
		})
	}
}

// A checkpoint's heaped columns are read back with their shares, and the
// impossible ones refused, naming the column.
func TestHeapsMetadata(t *testing.T) {
	discrete := map[int][]float64{1: {0, 1}}
	for _, c := range []struct {
		name, meta string
		err        string
	}{
		{"a share", `{"0":{"share":0.79,"low":50,"high":82.5},"2":{"share":0.2,"low":-1,"high":1}}`, ""},
		{"a discrete column", `{"1":{"share":0.5,"low":0,"high":1}}`, "column 2: want"},
		{"every value whole", `{"0":{"share":1,"low":0,"high":1}}`, "column 1: want a column of the data's 3, not discrete, and a share between 0 and 1"},
		{"a range upside down", `{"0":{"share":0.5,"low":2,"high":1}}`, "column 1: want"},
		{"past the data's columns", `{"3":{"share":0.5,"low":0,"high":1}}`, "column 4: want a column of the data's 3"},
		{"not shares", `[0]`, "bad heaps metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := heapsOf(&checkpoints.Checkpoint{Meta: map[string]string{metaHeaps: c.meta}}, "ckpt", 3, discrete)
			switch {
			case c.err == "" && (err != nil || h[0].Share != 0.79 || h[0].High != 82.5 || h[2].Share != 0.2):
				t.Errorf("read back %v, %v", h, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "ckpt")):
				t.Errorf("error %v, want one naming the file and %q", err, c.err)
			}
		})
	}
}
