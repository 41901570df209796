package configs

import (
	"math"
	"testing"
)

func TestSigmasLadderIsGeometric(t *testing.T) {
	s := Sigmas{Begin: 20, End: 1, N: 10}.Ladder()
	if len(s) != 10 || s[0] != 20 || s[9] != 1 {
		t.Fatalf("ladder %v", s)
	}
	ratio := s[1] / s[0]
	for i := 1; i < len(s); i++ {
		if math.Abs(s[i]/s[i-1]-ratio) > 1e-12*ratio {
			t.Errorf("ratio %v at %d, want a constant %v", s[i]/s[i-1], i, ratio)
		}
	}
}
