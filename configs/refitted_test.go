package configs

import (
	"strings"
	"testing"
)

func TestRefittedIsCheckedKeyByKey(t *testing.T) {
	const run = `name: r
data: {dataset: moons, holdout: 0}
train: {steps: %s, refit: false, refitted: {dir: %s, best_step: 400, best_loss: 3.8, near_step: 1600, length: %s, train_rows: 99, held_out: 43}}
`
	for _, c := range []struct{ name, steps, dir, length, want string }{
		{"as trained", "2295", "select", "1600", ""},
		{"continued with more steps", "3000", "select", "1600", ""},
		{"fewer steps than the refit", "2000", "select", "1600", "train.steps: 2000 is short of the refit"},
		{"another folder", "2295", "../../etc", "1600", "train.refitted.dir"},
		{"a length that is neither step", "2295", "select", "1500", "train.refitted.length"},
	} {
		text := strings.Replace(run, "steps: %s", "steps: "+c.steps, 1)
		text = strings.Replace(text, "dir: %s", "dir: "+c.dir, 1)
		text = strings.Replace(text, "length: %s", "length: "+c.length, 1)
		_, err := Parse([]byte(text), "r.yaml", nil)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}
