package unet

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"scorenet/internal/gemm"
)

// patch is the im2col matrix written out: row r is pixel r of the images
// (h x w x c), column q the value at tap q/c (dy, dx = q/c/3 - 1,
// q/c%3 - 1), channel q%c, zero outside the image.
func patch(x []float32, h, w, c, r, q int) float32 {
	img, pix := r/(h*w), r%(h*w)
	t := q / c
	y, xx := pix/w+t/3-1, pix%w+t%3-1
	if y < 0 || y >= h || xx < 0 || xx >= w {
		return 0
	}
	return x[((img*h+y)*w+xx)*c+q%c]
}

// The packers give the patches written out, in the products' panel layout
// (rows past the block zero), for any block of them: channels below and
// beyond a kc block (1 to 150), blocks that start mid-tap and mid-panel,
// partial panels, and the transpose.
func TestPackersMatchPatchesWrittenOut(t *testing.T) {
	const mr = gemm.PanelRows
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct{ h, w, c, n int }{{3, 5, 1, 2}, {4, 4, 12, 3}, {5, 3, 20, 2}, {6, 6, 48, 2}, {1, 1, 3, 4}, {3, 3, 150, 2}} {
		x := make([]float32, s.n*s.h*s.w*s.c)
		for k := range x {
			x[k] = float32(rng.NormFloat64())
		}
		pixels, K := s.n*s.h*s.w, 9*s.c
		for _, blk := range [][2]int{{8, 8}, {16, 128}, {13, 37}, {128, 128}, {5, 1}} {
			t.Run(fmt.Sprintf("%+v/block %v", s, blk), func(t *testing.T) {
				check := func(name string, rows, depth int, pack func(dst []float32, i0, n, p0, d int), at func(i, p int) float32) {
					for i0 := 0; i0 < rows; i0 += blk[0] {
						for p0 := 0; p0 < depth; p0 += blk[1] {
							n, d := min(blk[0], rows-i0), min(blk[1], depth-p0)
							dst := make([]float32, (n+mr-1)/mr*mr*d)
							for k := range dst {
								dst[k] = 7 // every value must be written
							}
							pack(dst, i0, n, p0, d)
							for i := range (n + mr - 1) / mr * mr {
								for p := range d {
									want := float32(0)
									if i < n {
										want = at(i0+i, p0+p)
									}
									if got := dst[(i/mr)*mr*d+p*mr+i%mr]; got != want {
										t.Fatalf("%s at block (%d, %d): element (%d, %d) = %v, want %v", name, i0, p0, i, p, got, want)
									}
								}
							}
						}
					}
				}
				check("patches", pixels, K, func(dst []float32, i0, n, p0, d int) { packPatches(dst, x, s.h, s.w, s.c, i0, n, p0, d) },
					func(i, p int) float32 { return patch(x, s.h, s.w, s.c, i, p) })
				check("transposed", K, pixels, func(dst []float32, i0, n, p0, d int) { packPatchesT(dst, x, s.h, s.w, s.c, i0, n, p0, d) },
					func(i, p int) float32 { return patch(x, s.h, s.w, s.c, p, i) })
			})
		}
	}
}
