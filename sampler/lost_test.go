package sampler

import (
	"strings"
	"testing"

	"scorenet/points"
	"scorenet/score"
)

// pushOut is a score that drives the first `bad` chains of a block of
// 2-D chains outward and pulls the rest to 0; one worker sees every chain.
func pushOut(bad int) func(dst, x []float64, sigma float64) error {
	return func(dst, x []float64, sigma float64) error {
		for i := range x {
			dst[i] = -x[i]
			if i/2 < bad {
				dst[i] = 1e6 * (1 + x[i]*x[i])
			}
		}
		return nil
	}
}

// With Settings.MaxLost, chains that leave the sane region are left out
// (marked, set to 0, listed in Result.Lost) and the rest go on, up to the
// share allowed; beyond it, or with MaxLost 0, the sampling stops with an
// error, as before.
func TestDivergedChainsAreLeftOutUpToAShare(t *testing.T) {
	cases := []struct {
		name    string
		bad     int
		maxLost float64
		lost    int
		err     string
	}{
		{"one of 200, 1% allowed", 1, 0.01, 1, ""},
		{"two of 200, 1% allowed", 2, 0.01, 2, ""},
		{"three of 200, 1% allowed", 3, 0.01, 0, "more than the 1% that may be left out"},
		{"one of 200, none allowed", 1, 0, 0, "chains diverged: 1 of 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := points.New(200, 2)
			chains := Chains{X: x, Streams: Streams(1, 0, 200), Scores: []score.Func{pushOut(c.bad)}}
			res, err := Draw(Settings{Kind: KindLangevin, Steps: 20, Eps: 0.01, Bound: 100, MaxLost: c.maxLost}, chains)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want an error saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Lost) != c.lost {
				t.Fatalf("lost %v, want %d chains", res.Lost, c.lost)
			}
			for i, chain := range res.Lost {
				if chain != i || x.Row(chain)[0] != 0 || x.Row(chain)[1] != 0 {
					t.Errorf("lost chain %d at %v, want chain %d set to 0", chain, x.Row(chain), i)
				}
			}
			for i := c.bad; i < 200; i++ {
				if row := x.Row(i); row[0]*row[0]+row[1]*row[1] > 100 {
					t.Errorf("chain %d, not lost, is at %v", i, row)
				}
			}
		})
	}
}
