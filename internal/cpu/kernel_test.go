package cpu

import "testing"

func TestWidest(t *testing.T) {
	cases := []struct {
		name         string
		avx512, avx2 bool
		want         Kernel
		text         string
	}{
		{"both", true, true, AVX512, "AVX-512 assembly"},
		{"AVX-512 alone", true, false, AVX512, "AVX-512 assembly"},
		{"AVX2", false, true, AVX2, "AVX2+FMA assembly"},
		{"none", false, false, Go, "portable Go"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := Widest(c.avx512, c.avx2)
			if k != c.want {
				t.Errorf("Widest(%v, %v) = %d, want %d", c.avx512, c.avx2, k, c.want)
			}
			if k.String() != c.text {
				t.Errorf("%d names itself %q, want %q", k, k.String(), c.text)
			}
		})
	}
}
