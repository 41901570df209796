package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scorenet/configs"
	"scorenet/rundir"
	"scorenet/workflow"
)

// A run that followed its samples' nearness past its best held-out loss
// keeps its newest checkpoint where the best's samples were diffuse and
// the newest's nearer as near as new rows; elsewhere the best may
// be taken as before.
func TestNewestNearer(t *testing.T) {
	cases := []struct {
		name           string
		nearness       bool
		atBest, atLast float64 // recorded nearest-row ratios; 0: none
		bestErr        float64 // the best's ratio's standard error in its logarithm
		want           bool
	}{
		{"diffuse at the best, near at the newest", true, 1.70, 0.99, 0, true},
		{"diffuse at the best, a little memorised at the newest", true, 1.70, 0.9, 0, true},
		{"diffuse at the best, memorised further at the newest", true, 1.3, 0.6, 0, false},
		{"near at the best", true, 0.95, 1.0, 0, false},
		{"near at the best within its error", true, 1.04, 1.0, 0.05, false},
		{"diffuse at the best beyond its error", true, 1.2, 1.0, 0.05, true},
		{"no nearness recorded", true, 0, 0, 0, false},
		{"not a nearness run", false, 1.70, 0.99, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var b strings.Builder
			for step, ratio := range map[int]float64{400: c.atBest, 800: 1.5, 1200: c.atLast} {
				near := ""
				if ratio > 0 {
					near = fmt.Sprintf(`,"nearest_ratio":%g`, ratio)
				}
				if step == 400 && c.bestErr > 0 {
					near += fmt.Sprintf(`,"nearest_ratio_error":%g`, c.bestErr)
				}
				fmt.Fprintf(&b, `{"step":%d,"loss":1,"grad_norm":1,"valid":{"loss":1}%s}`+"\n", step, near)
			}
			if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := &configs.Config{}
			cfg.Train.Nearness = c.nearness
			run := &workflow.Run{Run: &rundir.Run{Dir: dir, Config: cfg, Step: 1200, Best: &rundir.Best{Step: 400}}}
			if got := newestNearer(run); got != c.want {
				t.Errorf("newestNearer = %v, want %v", got, c.want)
			}
		})
	}
}
