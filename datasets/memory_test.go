package datasets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"scorenet/internal/memlimit"
	"slices"
	"strings"
	"testing"
	"time"
)

// The red team's files (issue 19): headers that claim more than memory
// holds are refused by their claim, in one line naming the file and the
// claim, before anything is inflated, decoded or allocated by it.

// withBudget gives the readers a memory budget of budget bytes, refused
// over as memlimit.Check refuses, until the test ends.
func withBudget(t *testing.T, budget float64) {
	t.Helper()
	old := checkMemory
	t.Cleanup(func() { checkMemory = old })
	checkMemory = func(need float64, what string) error {
		if !(need <= budget) {
			return fmt.Errorf("%s needs %s of memory, more than the %s available (a test's budget)", what, memlimit.Size(need), memlimit.Size(budget))
		}
		return nil
	}
}

// allocated runs f and returns the bytes it allocated and how long it
// took.
func allocated(f func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, d
}

// checkRefused checks that err is want exactly, one line, and that
// refusing cost at most maxAlloc bytes and ten seconds: the bytes are the
// check; the time only catches a refusal that read the whole input first,
// with room for a loaded host.
func checkRefused(t *testing.T, err error, want string, alloc uint64, took time.Duration, maxAlloc uint64) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("got error\n\t%v\nwant\n\t%s", err, want)
	}
	if alloc > maxAlloc || took > 10*time.Second {
		t.Errorf("refusing took %d bytes (at most %d) and %v", alloc, maxAlloc, took)
	}
}

// pngChunk is a PNG chunk: length, type, data, CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// hugePNG is a PNG whose header claims h x w 8-bit pixels of a colour
// type (0 gray, 2 RGB), followed by an IDAT chunk of idat bytes and IEND.
func hugePNG(h, w uint32, colourType byte, idat []byte) []byte {
	b := pngHeader(h, w, colourType)
	b = append(b, pngChunk("IDAT", idat)...)
	return append(b, pngChunk("IEND", nil)...)
}

// The red team's 60-byte PNG claiming 30000x30000: before, 7.2 GB of
// points were allocated (then the decoder's 900 MB) and the process died
// with "fatal error: out of memory". No model takes images of 9e8 values
// (a real 30000x30000 PNG of 875 KB, read, took 15 GB with the data's
// statistics), and its 60 bytes could not hold them anyway.
func TestLoadPNGDirHugeHeaderSmallFile(t *testing.T) {
	dir := t.TempDir()
	file := hugePNG(30000, 30000, 0, []byte{0x78, 0x9c, 0x03})
	if len(file) != 60 {
		t.Fatalf("the file has %d bytes, want the red team's 60", len(file))
	}
	path := writeTemp(t, dir, "huge.png", file)
	var err error
	alloc, took := allocated(func() { _, _, _, err = LoadPNGDir(dir) })
	checkRefused(t, err, "datasets: "+path+": header claims 30000x30000 grayscale pixels, 900000000 values an image, over the limit of 131072 (MaxColumns, the most values a point may have)", alloc, took, 1<<20)
}

// A header that claims more pixels than its file can hold is refused by
// the file's size: 200x200 RGB pixels are 117 KiB, and 60 bytes inflate
// to at most 60 KiB.
func TestLoadPNGDirHeaderOverFile(t *testing.T) {
	dir := t.TempDir()
	path := writeTemp(t, dir, "a.png", hugePNG(200, 200, 2, []byte{0x78, 0x9c, 0x03}))
	var err error
	alloc, took := allocated(func() { _, _, _, err = LoadPNGDir(dir) })
	checkRefused(t, err, "datasets: "+path+": header claims 200x200 RGB pixels, at least 117 KiB of image data, more than a PNG file of 60 bytes holds (a compressed byte inflates to at most 1032)", alloc, took, 1<<20)
}

// Images, and .npy points, wider than a model takes (MaxColumns) are
// refused by their header.
func TestPointsWiderThanAModel(t *testing.T) {
	dir := t.TempDir()
	idx := writeTemp(t, dir, "wide.gz", gzipped(t, idxFile(0x08, []uint32{1, 1000, 1000}, make([]byte, 100))))
	_, _, err := LoadIDX(idx)
	checkRefused(t, err, "datasets: "+idx+": header says 1 images of 1000x1000, 1000000 values an image, over the limit of 131072 (MaxColumns, the most values a point may have)", 0, 0, 1<<62)
	npy := writeTemp(t, dir, "wide.npy", npyFile(npyHeaderDict("<f4", false, "(1, 200000)"), make([]byte, 800000)))
	_, err = ReadFile(npy)
	checkRefused(t, err, "datasets: "+npy+": .npy header claims shape (1, 200000), 200000 values a point, over the limit of 131072 (MaxColumns, the most values a point may have)", 0, 0, 1<<62)
	png := filepath.Join(dir, "png")
	os.Mkdir(png, 0o755)
	writeTemp(t, png, "a.png", hugePNG(256, 256, 2, make([]byte, 1000)))
	_, _, _, err = LoadPNGDir(png)
	checkRefused(t, err, "datasets: "+filepath.Join(png, "a.png")+": header claims 256x256 RGB pixels, 196608 values an image, over the limit of 131072 (MaxColumns, the most values a point may have)", 0, 0, 1<<62)
}

// A PNG that could hold its claim is refused when the points and the
// decoder's image exceed the memory budget: the file named if it is alone,
// the folder otherwise.
func TestLoadPNGDirOverBudget(t *testing.T) {
	t.Run("one image", func(t *testing.T) {
		withBudget(t, 512<<10)
		dir := t.TempDir()
		// 300x300 gray: 90000 values as float64 and the decoder's 90000
		// bytes twice, 879 KiB.
		path := writeTemp(t, dir, "big.png", hugePNG(300, 300, 0, make([]byte, 1000)))
		var err error
		alloc, took := allocated(func() { _, _, _, err = LoadPNGDir(dir) })
		checkRefused(t, err, "datasets: "+path+": header claims 300x300 grayscale pixels; reading them needs 879 KiB of memory, more than the 512 KiB available (a test's budget)", alloc, took, 1<<20)
	})
	t.Run("a folder", func(t *testing.T) {
		dir := t.TempDir()
		img := encodePNG(t, grayImage(64, 64))
		for _, name := range []string{"a.png", "b.png", "c.png"} {
			writeTemp(t, dir, name, img)
		}
		// 3 images of 64x64 as float64 and one decoded twice: 104 KiB.
		withBudget(t, 104<<10)
		if _, _, _, err := LoadPNGDir(dir); err != nil {
			t.Fatalf("within the budget: %v", err)
		}
		withBudget(t, 100<<10)
		_, _, _, err := LoadPNGDir(dir)
		checkRefused(t, err, "datasets: "+dir+": 3 images of 64x64x1 (as a.png's header claims); reading them needs 104 KiB of memory, more than the 100 KiB available (a test's budget)", 0, 0, 1<<62)
	})
}

// The red team's gzip IDX claiming 1e6 images of 32x32: before, a 1 MB
// file inflated into 1 GB and then 8 GB of float64 were allocated. Now the
// header is checked against the budget first, 9 bytes a value.
func TestLoadIDXOverBudget(t *testing.T) {
	dir := t.TempDir()
	huge := writeTemp(t, dir, "huge.gz", gzipped(t, idxFile(0x08, []uint32{1000000, 32, 32}, make([]byte, 100))))
	labels := writeTemp(t, dir, "labels.gz", gzipped(t, idxFile(0x08, []uint32{1000000000}, make([]byte, 100))))
	t.Run("images", func(t *testing.T) {
		withBudget(t, 1<<30)
		var err error
		alloc, took := allocated(func() { _, _, err = LoadIDX(huge) })
		checkRefused(t, err, "datasets: "+huge+": header says 1000000 images of 32x32; reading them needs 8.6 GiB of memory, more than the 1.0 GiB available (a test's budget)", alloc, took, 1<<20)
	})
	t.Run("labels", func(t *testing.T) {
		withBudget(t, 1<<30)
		var err error
		alloc, took := allocated(func() { _, err = LoadIDXLabels(labels) })
		checkRefused(t, err, "datasets: "+labels+": header says 1000000000 labels; reading them needs 8.4 GiB of memory, more than the 1.0 GiB available (a test's budget)", alloc, took, 1<<20)
	})
	t.Run("this machine's budget", func(t *testing.T) {
		// Refused by the budget or, where 8.6 GiB are available, by the
		// stream's end: either way in one line, at once.
		var err error
		alloc, took := allocated(func() { _, _, err = LoadIDX(huge) })
		prefix := "datasets: " + huge + ": header says 1000000 images of 32x32"
		if err == nil || !strings.HasPrefix(err.Error(), prefix) || strings.Contains(err.Error(), "\n") {
			t.Errorf("got %v, want one line starting %q", err, prefix)
		}
		if alloc > 1<<20 || took > 10*time.Second {
			t.Errorf("refusing took %d bytes and %v", alloc, took)
		}
	})
	t.Run("a stream that does inflate to its claim", func(t *testing.T) {
		// 10000 images of 32x32, all there: 10 MB from 10 KB of gzip.
		path := writeTemp(t, dir, "full.gz", gzipped(t, idxFile(0x08, []uint32{10000, 32, 32}, make([]byte, 10000*32*32))))
		withBudget(t, 1<<20)
		var err error
		alloc, took := allocated(func() { _, _, err = LoadIDX(path) })
		checkRefused(t, err, "datasets: "+path+": header says 10000 images of 32x32; reading them needs 87.9 MiB of memory, more than the 1.0 MiB available (a test's budget)", alloc, took, 1<<20)
		withBudget(t, 100<<20)
		if p, _, err := LoadIDX(path); err != nil || p.N != 10000 {
			t.Errorf("within the budget: %d images, %v", p.N, err)
		}
	})
}

// A gzip stream never grows past its header's claim: a stream that goes on
// for 16 MB after 24 claimed bytes is refused having read only the claim
// and one byte more.
func TestLoadIDXStreamPastItsClaim(t *testing.T) {
	path := writeTemp(t, t.TempDir(), "long.gz", gzipped(t, idxFile(0x08, []uint32{2, 3, 4}, make([]byte, 16<<20))))
	var err error
	alloc, took := allocated(func() { _, _, err = LoadIDX(path) })
	checkRefused(t, err, "datasets: "+path+": header says 2 images of 3x4, 24 bytes, the file has more after its header (uncompressed)", alloc, took, 1<<20)
}

// A .npy file whose size matches its claim of 10^9 values (a sparse file,
// costing nothing on disk) was read into 8 GB of float64; now the claim is
// asked of the budget first. Read from a stream, twice that.
func TestReadNPYOverBudget(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		withBudget(t, 1<<30)
		file := npyFile(npyHeaderDict("<f8", false, "(1000000000, 1)"), nil)
		path := writeTemp(t, t.TempDir(), "sparse.npy", file)
		if err := os.Truncate(path, int64(len(file))+8e9); err != nil {
			t.Skipf("no sparse file of 8 GB here: %v", err)
		}
		var err error
		alloc, took := allocated(func() { _, err = ReadFile(path) })
		checkRefused(t, err, "datasets: "+path+": .npy header claims shape (1000000000, 1); reading it needs 7.5 GiB of memory, more than the 1.0 GiB available (a test's budget)", alloc, took, 1<<20)
	})
	t.Run("stream", func(t *testing.T) {
		withBudget(t, 16<<20)
		file := npyFile(npyHeaderDict("<f8", false, "(1000000, 2)"), npyData("<f8", 1, 2))
		var err error
		alloc, took := allocated(func() { _, err = ReadNPY(plainReader{bytes.NewReader(file)}) })
		checkRefused(t, err, "datasets: .npy header claims shape (1000000, 2); reading it needs 30.5 MiB of memory, more than the 16.0 MiB available (a test's budget)", alloc, took, 1<<20)
	})
}

// A CSV file grows its points as rows arrive: each growth is asked of the
// budget, and the first refused names the line.
func TestReadCSVOverBudget(t *testing.T) {
	path := writeTemp(t, t.TempDir(), "long.csv", []byte(strings.Repeat("1,2\n", 5000)))
	withBudget(t, 64<<10)
	_, err := ReadFile(path)
	// 8192 values (64 KiB) fit; the 4097th row asks for room for 16384.
	checkRefused(t, err, "datasets: "+path+": line 4097: 8192 values so far; room for 16384 needs 128 KiB of memory, more than the 64 KiB available (a test's budget)", 0, 0, 1<<62)
	withBudget(t, 128<<10)
	if p, err := ReadFile(path); err != nil || p.N != 5000 {
		t.Errorf("within the budget: %d rows, %v", p.N, err)
	}
}

// The readers ask the real budget by default.
func TestCheckMemoryIsMemlimits(t *testing.T) {
	err := checkMemory(1<<62, "a test")
	if err == nil || !strings.HasPrefix(err.Error(), "a test needs 4294967296.0 GiB of memory, more than the ") {
		t.Errorf("checkMemory(2^62) = %v, want memlimit.Check's refusal", err)
	}
}

// A .npy file read for its first rows (Want.Rows: train -data's look at
// a table's first rows for pixels) allocates those rows only, and asks
// the memory budget for them only: a 1e6 x 300 uint8 file was read whole
// as 2.4 GB of float64 to look at 2000 rows of it, then again to train.
func TestReadNPYWantsRows(t *testing.T) {
	vals := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9} // rows of 3
	fortran := []float64{1, 4, 7, 2, 5, 8, 3, 6, 9}
	cases := []struct {
		name  string
		file  []byte
		rows  int
		want  []float64
		alloc uint64 // the most bytes the read may allocate, beyond a chunk's buffers
	}{
		{"uint8, first row", npyFile(npyHeaderDict("|u1", false, "(3, 3)"), npyData("|u1", vals...)), 1, vals[:3], 3 * 8},
		{"float64, first two rows", npyFile(npyHeaderDict("<f8", false, "(3, 3)"), npyData("<f8", vals...)), 2, vals[:6], 6 * 8},
		{"float64, every row", npyFile(npyHeaderDict("<f8", false, "(3, 3)"), npyData("<f8", vals...)), 0, vals, 9 * 8},
		{"more rows than the file has", npyFile(npyHeaderDict("<f8", false, "(3, 3)"), npyData("<f8", vals...)), 5, vals, 9 * 8},
		{"Fortran order, first two rows", npyFile(npyHeaderDict("<f8", true, "(3, 3)"), npyData("<f8", fortran...)), 2, vals[:6], 6 * 8},
		{"Fortran order, every row", npyFile(npyHeaderDict("<f8", true, "(3, 3)"), npyData("<f8", fortran...)), 0, vals, 9 * 8},
		{"an infinity after the rows wanted", npyFile(npyHeaderDict("<f8", false, "(3, 3)"), npyData("<f8", append(vals[:6:6], math.Inf(1), 8, 9)...)), 2, vals[:6], 6 * 8},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			withBudget(t, float64(c.alloc))
			f, err := LoadMissingWant(path, Want{Rows: c.rows})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.X, c.want) || f.N != len(c.want)/3 || f.D != 3 || cap(f.X) != len(c.want) {
				t.Errorf("got %d x %d values %v (room for %d), want %v", f.N, f.D, f.X, cap(f.X), c.want)
			}
		})
	}
}

// A caller that needs memory after the read (Want.Spare: Prepare, as
// much again to prepare the data for training) has it asked for by the
// reader with the values, before it allocates: a file it could not go
// on with was read whole, then refused.
func TestReadersAskForTheSpare(t *testing.T) {
	dir := t.TempDir()
	const then = "as much again to prepare the data for training"
	npy := writeTemp(t, dir, "wide.npy", npyFile(npyHeaderDict("<f8", false, "(1000, 8)"), make([]byte, 64000)))
	csv := writeTemp(t, dir, "long.csv", []byte(strings.Repeat("1,2\n", 5000)))
	cases := []struct {
		name   string
		path   string
		budget float64
		spare  float64
		err    string // "" where the file is read
		// alloc is the most a refusal may allocate: a .npy file's comes
		// before its values, a CSV's after the values so far.
		alloc uint64
	}{
		{"a .npy file within the budget alone", npy, 64000, 0, "", 0},
		{"a .npy file and its spare within the budget", npy, 128000, 8, "", 0},
		{"a .npy file whose spare is over the budget", npy, 64000, 8,
			"datasets: " + npy + ": .npy header claims shape (1000, 8); reading it, and " + then + ", needs 125 KiB of memory, more than the 62 KiB available (a test's budget)", 16 << 10},
		{"a CSV within the budget alone", csv, 128 << 10, 0, "", 0},
		{"a CSV and its spare within the budget", csv, 200 << 10, 8, "", 0},
		{"a CSV whose spare is over the budget", csv, 128 << 10, 8,
			"datasets: " + csv + ": line 4097: 8192 values so far; room for 16384, and " + then + ", needs 192 KiB of memory, more than the 128 KiB available (a test's budget)", 1 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			withBudget(t, c.budget)
			var f File
			var err error
			alloc, took := allocated(func() {
				f, _, _, err = LoadTable(c.path, Options{Want: Want{Spare: c.spare, Then: then}})
			})
			if c.err != "" {
				checkRefused(t, err, c.err, alloc, took, c.alloc)
				return
			}
			if err != nil || f.N*f.D != 8000 && f.N*f.D != 10000 {
				t.Errorf("got %d x %d values, %v; want the file read", f.N, f.D, err)
			}
		})
	}
}
