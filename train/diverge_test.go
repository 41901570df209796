package train

import (
	"math"
	"strings"
	"testing"

	"scorenet/configs"
	"scorenet/losses"
	"scorenet/rundir"
)

// The divergence guard on runs of made-up losses: the first step's loss
// and the records' are what it sees.
func TestDivergenceHookStopsRunawayAndUnrecoveredRuns(t *testing.T) {
	cfg := &configs.Config{}
	cfg.Train.Optimizer.LR = 0.5
	for _, c := range []struct {
		name    string
		first   float64   // the first step's loss
		records []float64 // one record per 100 steps; the last is the run's last
		want    string    // "" when the run goes on
	}{
		{"learning", 2, []float64{1.5, 1.2, 1.1}, ""},
		{"noisy but healthy", 2, []float64{1.5, 3, 1.4}, ""},
		{"negative exact loss falling", -5, []float64{-20, -60, -58}, ""},
		{"overshoot that comes back", 0.7, []float64{1900, 50, 0.9}, ""},
		{"runaway at the first record", 0.7, []float64{1.3e8, 500, 0.8}, "step 100: the training loss has risen to 1.3e+08 from 0.7 at step 1: training diverged"},
		{"runaway later", 2, []float64{1, 0.5, 2.1e4}, "step 300: the training loss has risen to 2.1e+04 from 0.5 at step 200"},
		{"ends far above", 0.7, []float64{1900, 700, 500}, "step 300, the last: the training loss ended at 500, far above the 0.7 of step 1: training diverged and did not come back"},
		{"ends far above a negative low", -60, []float64{-60, 500, 7000}, "ended at 7000, far above the -60 of step 1:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &divergenceHook{t: &trainer{cfg: cfg}, low: math.NaN(), dim: 2}
			err := d.OnStep(&Step{N: 1, Terms: losses.Terms{Loss: c.first}})
			for i, loss := range c.records {
				if err != nil {
					break
				}
				n := 100 * (i + 1)
				err = d.OnStep(&Step{N: n, Terms: losses.Terms{Loss: loss}, Record: &rundir.Record{Step: n, Loss: loss}, Last: i == len(c.records)-1})
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("stopped a run that should go on: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "lower train.optimizer.lr (0.5)")):
				t.Errorf("got %v, want an error saying %q and what to change", err, c.want)
			}
		})
	}
}
