package datasets

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"
)

// checkOneLine checks a reader's error: one line, starting "datasets: "
// and then the file or folder it read.
func checkOneLine(t *testing.T, err error, path string) {
	t.Helper()
	if s := err.Error(); !strings.HasPrefix(s, "datasets: "+path) || strings.Contains(s, "\n") {
		t.Fatalf("error %q: want one line starting %q", s, "datasets: "+path)
	}
}

// checkPixels checks points read from images: shape n x s.Size(), every
// value in 0..255.
func checkPixels(t *testing.T, n int, s Image, x []float64) {
	t.Helper()
	if n < 1 || s.H < 1 || s.W < 1 || (s.C != 1 && s.C != 3) || len(x) != n*s.Size() {
		t.Fatalf("read %d images of %v with %d values", n, s, len(x))
	}
	for _, v := range x {
		if !(v >= 0 && v <= 255) {
			t.Fatalf("a pixel value %v outside 0..255", v)
		}
	}
}

// FuzzIDX: no bytes may crash the IDX reader or make it allocate by a
// claim; its errors are one line naming the file; what it accepts as
// images is n images of H x W bytes 0..255 (as labels, one per byte); and
// it reads the same from the bytes gzipped.
func FuzzIDX(f *testing.F) {
	f.Add(idxFile(0x08, []uint32{2, 3, 4}, idxImages()))
	f.Add(idxFile(0x08, []uint32{3}, []byte{1, 2, 9}))
	f.Add(idxFile(0x08, []uint32{2, 3, 4}, idxImages())[:10])
	f.Add(idxFile(0x08, []uint32{2, 3, 4}, append(idxImages(), 1)))
	f.Add(idxFile(0x08, []uint32{1000000, 32, 32}, idxImages()[:10]))
	f.Add(idxFile(0x08, []uint32{1000000000}, nil))
	f.Add(idxFile(0x08, []uint32{0, 3, 4}, nil))
	f.Add(idxFile(0x0D, []uint32{1, 1, 1}, []byte{0, 0, 0, 0}))
	f.Add(idxFile(0x08, []uint32{2, 12}, idxImages()))
	f.Add(gzipped(f, idxFile(0x08, []uint32{2, 3, 4}, idxImages())))
	f.Add(gzipped(f, idxFile(0x08, []uint32{1000000, 32, 32}, make([]byte, 1000))))
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		plain := writeTemp(t, dir, "plain", b)
		p, s, err := LoadIDX(plain)
		if err != nil {
			checkOneLine(t, err, plain)
		} else {
			checkPixels(t, p.N, s, p.X)
			if s.C != 1 || p.D != s.H*s.W {
				t.Fatalf("images of %v as %d values each", s, p.D)
			}
		}
		labels, lerr := LoadIDXLabels(plain)
		if lerr != nil {
			checkOneLine(t, lerr, plain)
		} else if len(labels) < 1 || slices.ContainsFunc(labels, func(l int) bool { return l < 0 || l > 255 }) {
			t.Fatalf("labels %v", labels)
		}
		if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
			return // gzipped already
		}
		gz := writeTemp(t, dir, "gzipped", gzipped(t, b))
		q, r, gerr := LoadIDX(gz)
		if (err == nil) != (gerr == nil) {
			t.Fatalf("plain: %v; gzipped: %v", err, gerr)
		}
		if gerr != nil {
			checkOneLine(t, gerr, gz)
		} else if p.N != q.N || s != r || !slices.Equal(p.X, q.X) {
			t.Fatalf("plain read %d images of %v, gzipped %d of %v, or other values", p.N, s, q.N, r)
		}
		if _, gerr := LoadIDXLabels(gz); (lerr == nil) != (gerr == nil) {
			t.Fatalf("labels plain: %v; gzipped: %v", lerr, gerr)
		}
	})
}

// FuzzPNGDir: no PNG file may crash the folder reader or make it allocate
// by a claim its file cannot hold; its errors are one line naming the file
// or folder; what it accepts is one image of values 0..255, the size and
// pixels image/png decodes.
func FuzzPNGDir(f *testing.F) {
	gray16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	gray16.SetGray16(0, 0, color.Gray16{Y: 0xffff})
	palette := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 0}})
	palette.Pix = []uint8{1, 0}
	alpha := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(alpha.Pix, []uint8{10, 20, 30, 0, 40, 50, 60, 128})
	rgb16 := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	rgb16.SetRGBA64(0, 0, color.RGBA64{R: 0x0101, G: 1000, B: 0xffff, A: 0xffff})
	good := encodePNG(f, grayImage(2, 3, 1, 2, 3, 4, 5, 6))
	for _, img := range []image.Image{grayImage(2, 3, 1, 2, 3, 4, 5, 6), rgbImage(2, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), gray16, palette, alpha, rgb16} {
		f.Add(encodePNG(f, img))
	}
	f.Add(hugePNG(30000, 30000, 0, []byte{0x78, 0x9c, 0x03}))
	f.Add(hugePNG(2, 3, 0, []byte{0x78, 0x9c, 0x03}))
	f.Add(hugePNG(200, 200, 2, []byte{0x78, 0x9c, 0x03}))
	f.Add(pngHeader(2, 3, 0))
	f.Add(good[:40])
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("not a PNG"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		writeTemp(t, dir, "a.png", b)
		p, s, names, err := LoadPNGDir(dir)
		if err != nil {
			checkOneLine(t, err, dir)
			return
		}
		checkPixels(t, p.N, s, p.X)
		if p.N != 1 || len(names) != 1 || p.D != s.Size() {
			t.Fatalf("one file read as %d images of %v (D %d), names %v", p.N, s, p.D, names)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("accepted a file image/png does not decode: %v", err)
		}
		if r := img.Bounds(); r.Dy() != s.H || r.Dx() != s.W {
			t.Fatalf("read as %v, image/png decodes %dx%d", s, r.Dy(), r.Dx())
		}
	})
}
