package datasets

import (
	"slices"
	"strings"
	"testing"

	"scorenet/points"
)

// plants is CO2's design: 12 plants of 2 types under 2 treatments, each
// plant one type and one treatment, and a numeric column.
func plants(rows int) (points.Points, []Category) {
	p := points.New(rows, 4)
	for i := range rows {
		plant := i % 12
		p.X[i*4], p.X[i*4+1], p.X[i*4+2], p.X[i*4+3] = float64(plant), float64(plant/6), float64(plant%2), float64(i)
	}
	names := func(n int) []string {
		out := make([]string, n)
		for k := range out {
			out[k] = string(rune('a' + k))
		}
		return out
	}
	return p, []Category{{Column: "Plant", Index: 0, Levels: names(12)}, {Column: "Type", Index: 1, Levels: names(2)}, {Column: "Treatment", Index: 2, Levels: names(2)}}
}

func TestFindFollows(t *testing.T) {
	p, cats := plants(84)
	FindFollows(p, cats)
	if cats[0].Follows != "" || cats[1].Follows != "Plant" || cats[2].Follows != "Plant" {
		t.Fatalf("follows %q %q %q, want Type and Treatment from Plant", cats[0].Follows, cats[1].Follows, cats[2].Follows)
	}
	if want := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}; !slices.Equal(cats[1].FollowLevels, want) {
		t.Errorf("Type's levels by plant %v, want %v", cats[1].FollowLevels, want)
	}
	if s := DescribeFollows(cats); !strings.Contains(s, "Type from Plant, Treatment from Plant") {
		t.Errorf("DescribeFollows: %q", s)
	}
	for _, c := range []struct {
		name  string
		rows  int
		spoil bool
	}{
		{"a row against it", 84, true},
		{"fewer than 2 rows a plant", 20, false},
		{"a rare type on plants of one row each", 84, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, cats := plants(c.rows)
			if c.spoil {
				p.X[1] = 1 // plant 0 of type 1 once
				p.X[2] = 1 - p.X[2]
			}
			if c.name == "a rare type on plants of one row each" {
				// Plants 0 to 11 on rows 0 to 11 only, each its own
				// plant hereafter 12..: one row, which type 1 alone holds.
				for i := range p.N {
					p.X[i*4], p.X[i*4+1] = float64(i%12), 0
				}
				p.X[5*4+1] = 1 // plant 5's rows: all type 0 but row 5
				for i := 12; i < p.N; i++ {
					if i%12 == 5 {
						p.X[i*4] = 4 // plant 5 then held by row 5 alone
					}
				}
			}
			FindFollows(p, cats)
			if HasFollows(cats) {
				t.Errorf("follows found: %+v", cats)
			}
		})
	}
}

// Samples' following levels are set from the level they follow; a level
// no row held leaves them as drawn.
func TestApplyFollows(t *testing.T) {
	_, cats := plants(84)
	cats[1].Follows, cats[1].FollowLevels = "Plant", []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, -1}
	rows := points.Points{N: 3, D: 4, X: []float64{7, 0, 0, 0.5, 2, 1, 1, 0.5, 11, 0, 1, 0.5}}
	ApplyFollows(rows, cats, nil)
	if want := []float64{7, 1, 0, 0.5, 2, 0, 1, 0.5, 11, 0, 1, 0.5}; !slices.Equal(rows.X, want) {
		t.Errorf("applied %v, want %v", rows.X, want)
	}
}
