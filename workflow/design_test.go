package workflow_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"scorenet/points"
	"scorenet/workflow"
)

// tableOf makes a table of columns given as functions of the row.
func tableOf(n int, cols ...func(i int) float64) points.Points {
	p := points.New(n, len(cols))
	for i := range n {
		for j, f := range cols {
			p.X[i*p.D+j] = f(i)
		}
	}
	return p
}

// The verdict leaves nearness unjudged on a design or a series, whose
// rows each hold a cell of their own (no held-out row measures a new
// row's distance there: samples sit in the training rows' cells), and
// judges it on tables whose discrete or integer columns are measurements.
func TestVerdictKnowsDesignsAndSeries(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	noise := func(int) float64 { return r.NormFloat64() }
	uniformAge := func(int) float64 { return float64(20 + r.IntN(41)) }
	coin := func(int) float64 { return float64(r.IntN(2)) }
	cases := []struct {
		name   string
		data   points.Points
		design []int // the columns from 1, nil: nearness judged
	}{
		{"a field trial: variety, year and site once each",
			tableOf(120, func(i int) float64 { return float64(i % 10) }, func(i int) float64 { return float64(1931 + i/10%2) }, func(i int) float64 { return float64(i / 20) }, noise),
			[]int{1, 2, 3}},
		{"a yearly series", tableOf(144, func(i int) float64 { return float64(1880 + i) }, noise), []int{1}},
		{"a series every five years", tableOf(52, func(i int) float64 { return float64(1565 + 5*i) }, noise), []int{1}},
		{"three sources a year", tableOf(51, func(i int) float64 { return float64(2001 + i/3) }, func(i int) float64 { return float64(i % 3) }, noise), []int{1, 2}},
		{"a region beside each state adds no cell",
			tableOf(200, func(i int) float64 { return float64(i / 10) }, func(i int) float64 { return float64(i / 50) }, func(i int) float64 { return float64(i % 10) }, noise),
			[]int{1, 3}},
		{"draws of a normal", tableOf(300, noise, noise), nil},
		{"draws numbered from 1", tableOf(150, func(i int) float64 { return float64(i + 1) }, noise, noise), nil},
		{"ages as measured", tableOf(400, uniformAge, noise, noise), nil},
		{"ten yes-or-no answers", tableOf(300, coin, coin, coin, coin, coin, coin, coin, coin, coin, coin, noise), nil},
		{"cells of many rows", tableOf(300, func(i int) float64 { return float64(i % 3) }, func(i int) float64 { return float64(i % 2) }, noise), nil},
		{"nothing outside the cells", tableOf(120, func(i int) float64 { return float64(i % 10) }, func(i int) float64 { return float64(i / 10) }), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			levels := workflow.FindDiscrete(c.data, 1024)
			v := workflow.Judge(c.data, c.data, points.New(0, c.data.D), workflow.Columns{Levels: levels})
			if !slices.Equal(v.Design, c.design) {
				t.Errorf("design columns %v, want %v", v.Design, c.design)
			}
			said := strings.Contains(v.Summary(), "nearness not judged")
			if said != (c.design != nil) || (c.design != nil && (v.NearestAgainst != "" || strings.Contains(strings.Join(v.Warnings, " "), "copy"))) {
				t.Errorf("design %v: %s %v", c.design, v.Summary(), v.Warnings)
			}
		})
	}
}

// A series split into training and held-out rows is a series still: the
// rows are judged together, as the table was written.
func TestVerdictKnowsASplitSeries(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	series := tableOf(600, func(i int) float64 { return float64(1400 + i) }, func(int) float64 { return r.NormFloat64() })
	var train, held []int
	for i := range series.N {
		if i%5 == 0 {
			held = append(held, i)
		} else {
			train = append(train, i)
		}
	}
	v := workflow.Judge(series.Subset(train), series.Subset(train), series.Subset(held), workflow.Columns{})
	if !slices.Equal(v.Design, []int{1}) || v.NearestAgainst != "" {
		t.Errorf("a series split 4:1: design %v, nearness against %q", v.Design, v.NearestAgainst)
	}
}

// A design whose first factor the model takes as its class (snails:
// species, then exposure, humidity and temperature once each) is a design
// still: the class counts as a column of the cells. Without the classes
// each cell of the other columns holds one row of every class, and the
// rows are judged as measurements.
func TestVerdictCountsTheClassInADesign(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 96
	trial := tableOf(n, func(i int) float64 { return float64(i / 2 % 4) }, func(i int) float64 { return float64(i / 8 % 4) }, func(i int) float64 { return float64(i / 32) },
		func(int) float64 { return r.NormFloat64() })
	species := make([]int32, n)
	for i := range species {
		species[i] = int32(i % 2)
	}
	levels := workflow.FindDiscrete(trial, 1024)
	for _, c := range []struct {
		name    string
		classes []int32
		design  []int
		summary string
	}{
		{"with the species", species, []int{1, 2, 3}, "nearness not judged: the class and columns 1, 2, 3 give the training rows a cell each"},
		{"without", nil, nil, "nearest training point"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(trial, trial, points.New(0, trial.D), workflow.Columns{Levels: levels, RowClasses: c.classes})
			if !slices.Equal(v.Design, c.design) || v.DesignByClass != (c.classes != nil) || !strings.Contains(v.Summary(), c.summary) {
				t.Errorf("design %v by class %v: %s", v.Design, v.DesignByClass, v.Summary())
			}
		})
	}
}
