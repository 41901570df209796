package configs

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestShippedConfigsLoad(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("found %v (%v), want at least the three example configs", files, err)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			c, err := Load(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSuffix(f, ".yaml"); c.Name != want {
				t.Errorf("name %q, want %q (the file name)", c.Name, want)
			}
			again, err := Parse(c.YAML(), "resolved", nil)
			if err != nil {
				t.Fatalf("resolved config does not load back: %v", err)
			}
			c.Notes = nil // what loading chose is said once, when the file is read
			// Where eps was set is the source's, not the value's.
			c.Sample.EpsFrom, again.Sample.EpsFrom = "", ""
			if !reflect.DeepEqual(again, c) {
				t.Errorf("resolved config changes on reload:\n%+v\n%+v", again, c)
			}
		})
	}
}

const base = `name: t
data:
  dataset: gaussian
  mean: [0, 0]
  cov: [[1, 0], [0, 1]]
`

func TestDefaultsAndShorthands(t *testing.T) {
	c, err := Parse([]byte(base+"train:\n  lr: 0.01\n"), "t.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.Optimizer.LR != 0.01 || c.Train.LR != 0 {
		t.Errorf("train.lr 0.01 resolved to optimizer.lr %v, lr %v", c.Train.Optimizer.LR, c.Train.LR)
	}
	if c.Output.Dir != "runs/t" || c.Train.BatchSize != 128 || c.Model.Activation != "softplus" {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestOverrides(t *testing.T) {
	c, err := Parse([]byte(base), "t.yaml", []string{
		"train.steps=8000", "model.hidden=[16, 8]", "data.standardize=true", "train.optimizer.beta2=0.99", "output.dir=/tmp/x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.Steps != 8000 || !reflect.DeepEqual(c.Model.Hidden, []int{16, 8}) || !c.Data.Standardize ||
		c.Train.Optimizer.Beta2 != 0.99 || c.Output.Dir != "/tmp/x" {
		t.Errorf("overrides not applied: %+v", c)
	}
}

func TestBadInputNamesFileLineAndKey(t *testing.T) {
	cases := []struct {
		name      string
		text      string
		overrides []string
		want      string
	}{
		{"misspelled key", base + "train:\n  setps: 10\n", nil, `t.yaml:7: train.setps: unknown key; did you mean "steps"?`},
		{"unknown section", base + "trian:\n  steps: 10\n", nil, `t.yaml:6: trian: unknown key; did you mean "train"?`},
		{"wrong type", base + "train:\n  steps: many\n", nil, `t.yaml:7: train.steps: expected an integer, got "many"`},
		{"wrong type list", base + "model:\n  hidden: 12x\n", nil, `t.yaml:7: model.hidden: expected a list of integers, got "12x"`},
		{"wrong type nested list", strings.Replace(base, "[[1, 0], [0, 1]]", "[1, 0]", 1), nil, `t.yaml:5: data.cov[0]: expected a list of numbers, got "1"`},
		{"wrong type seed", "seed: -1\n" + base, nil, `t.yaml:1: seed: expected a non-negative integer from 0 to 18446744073709551615, got -1`},
		{"wrong type bool", base + "  standardize: maybe\n", nil, `t.yaml:6: data.standardize: expected true or false, got "maybe"`},
		{"lr zero", base + "train:\n  lr: 0\n", nil, `t.yaml:7: train.lr: must be > 0, got 0`},
		{"batch zero", base + "train:\n  batch_size: 0\n", nil, `t.yaml:7: train.batch_size: must be >= 1, got 0`},
		{"lr decay over every step", base + "train:\n  lr_decay: 1\n", nil, `t.yaml:7: train.lr_decay: must be in [0, 1) (the share of the last steps over which the learning rate falls to 0; 0: constant), got 1`},
		{"lr decay negative", base, []string{"train.lr_decay=-0.1"}, `train.lr_decay: must be in [0, 1)`},
		{"steps zero", base + "train:\n  steps: 0\n", nil, `train.steps: must be >= 1 or auto, got 0`},
		{"holdout one", base + "  holdout: 1\n", nil, `t.yaml:6: data.holdout: must be in [0, 1), got 1`},
		{"empty hidden", base + "model:\n  hidden: []\n", nil, `t.yaml:7: model.hidden: must list at least one hidden layer width`},
		{"cov not PD", strings.Replace(base, "[[1, 0], [0, 1]]", "[[1, 2], [2, 1]]", 1), nil, `t.yaml:5: data.cov: gaussian cov is not positive definite`},
		{"mean wrong length", strings.Replace(base, "[0, 0]", "[0, 0, 0]", 1), nil, `data.cov: gaussian cov has 2 rows, want 3`},
		{"weights do not sum", "name: t\ndata:\n  dataset: gaussian_mixture\n  means: [[0], [1]]\n  weights: [0.5, 0.6]\n  std: 1\n", nil, `t.yaml:5: data.weights: gaussian_mixture weights sum to 1.1, want 1`},
		{"negative weight", "name: t\ndata:\n  dataset: gaussian_mixture\n  means: [[0], [1]]\n  weights: [1.5, -0.5]\n  std: 1\n", nil, `data.weights: gaussian_mixture weight 1 is negative`},
		{"unknown dataset", "name: t\ndata:\n  dataset: mooons\n", nil, `t.yaml:3: data.dataset: "mooons" is not one of`},
		{"unknown activation", base + "model:\n  activation: relu\n", nil, `model.activation: "relu" is not one of elu, sigmoid, softplus, swish, tanh`},
		{"both lrs", base + "train:\n  lr: 0.1\n  optimizer:\n    lr: 0.2\n", nil, `train.lr: set either train.lr or train.optimizer.lr, not both`},
		{"missing name", "data:\n  dataset: moons\n", nil, `name: is required`},
		{"empty file", "  \n", nil, `t.yaml: the file is empty`},
		{"invalid yaml", "name: [t\n", nil, `configs: t.yaml: line 1: did not find expected ',' or ']'`},
		{"not a mapping", "- a\n- b\n", nil, `t.yaml:1: the file must be a YAML mapping`},
		{"bad override type", base, []string{"train.steps=abc"}, `-set train.steps=abc: train.steps: expected an integer, got "abc"`},
		{"bad override key", base, []string{"train.stepz=5"}, `-set train.stepz=5: train.stepz: unknown key; did you mean "steps"?`},
		{"override without =", base, []string{"train.steps"}, `-set "train.steps": want key=value`},
		{"override range", base, []string{"train.optimizer.beta1=1"}, `-set train.optimizer.beta1=1: train.optimizer.beta1: must be from 0 to 0.999999 (torch's default is 0.9), got 1`},
		{"box upside down by -set", base, []string{"sample.init.low=5"}, `-set sample.init.low=5: sample.init.low: must be below sample.init.high (3), got 5`},
		{"box upside down in file", base + "sample:\n  init: {high: -4}\n", nil, `t.yaml:7: sample.init.high: must be above sample.init.low (-3), got -4`},
		{"huge width", base, []string{"model.hidden=[1000000000]"}, `-set model.hidden=[1000000000]: model.hidden: the mlp 2-1000000000-2 would have 5000000002 parameters, above the limit of 134217728`},
		{"huge layers", base, []string{"model.hidden=[100000,100000]"}, `model.hidden: the mlp 2-100000-100000-2 would have 10000600002 parameters`},
		{"huge n", base, []string{"data.n=9223372036854775807"}, `data.n: must be at most 536870912 for 2-dimensional data (1073741824 values in all), got 9223372036854775807`},
		{"n for a file", "name: t\ndata: {dataset: file, path: x.csv, n: 50}\n", nil, `t.yaml:2: data.n: does not apply to dataset file`},
		{"fractional steps", base, []string{"train.steps=2.9"}, `train.steps: expected an integer, got 2.9`},
		{"fractional width", base, []string{"model.hidden=[64, 7.9]"}, `model.hidden[1]: expected an integer, got 7.9`},
		{"float n", base, []string{"data.n=1e12"}, `data.n: expected an integer, got 1e12`},
		{"seed overflow", base, []string{"seed=18446744073709551616"}, `seed: expected a non-negative integer from 0 to 18446744073709551615, got 18446744073709551616`},
		{"int overflow", base, []string{"train.steps=99999999999999999999"}, `train.steps: 99999999999999999999 is out of range for an integer`},
		{"infinite sigma", base, []string{"train.sigma=.inf"}, `train.sigma: must be a finite number, got .inf`},
		{"infinite lr", base + "train:\n  lr: -.Inf\n", nil, `t.yaml:7: train.lr: must be a finite number, got -.Inf`},
		{"infinite sample eps", base, []string{"sample.eps=.inf"}, `sample.eps: must be a finite number`},
		{"infinite init high", base, []string{"sample.init.high=.inf"}, `sample.init.high: must be a finite number`},
		{"solver with one level", base, []string{"sample.sampler=heun", "sample.steps=1"}, `-set sample.steps=1: sample.steps: must be from 2 to 100000 noise levels for heun, got 1`},
		{"solver with a million levels", base, []string{"sample.sampler=dpmpp_2m", "sample.steps=1000000"}, `sample.steps: must be from 2 to 100000 noise levels for dpmpp_2m`},
		{"rho 0", base, []string{"sample.rho=0"}, `sample.rho: must be from 0.1 to 100`},
		{"rho 1e-3", base, []string{"sample.rho=1e-3"}, `sample.rho: must be from 0.1 to 100`},
		{"negative churn", base, []string{"sample.churn=-1"}, `sample.churn: must be from 0 (no churn, EDM's default) to 1e6, got -1`},
		{"churn window upside down", base, []string{"sample.churn_min=2", "sample.churn_max=1"}, `sample.churn_max: must be 0 (no limit), auto, or from sample.churn_min 2`},
		{"churn start above the limit auto chose", base + "sample: {churn_max: 0.5, churn_max_auto: true}\n", []string{"sample.churn_min=0.6"}, `-set sample.churn_min=0.6: sample.churn_min: 0.6 is above sample.churn_max 0.5, which auto chose`},
		{"churn without noise", base, []string{"sample.churn_noise=0"}, `sample.churn_noise: must be in (0, 2]`},
		{"a ladder whose levels round together", base, []string{"train.sigmas={begin: 1.000000000001, end: 1, n: 100000}"}, `train.sigmas.n: 100000 levels from 1.000000000001 to 1 are not all distinct in float64`},
		{"pc levels that round together", base, []string{"train.loss=anneal_dsm", "model.noise_conditional=true", "train.sigmas={begin: 1.000000000001, end: 1, n: 2}", "sample.sampler=pc", "sample.levels=100000"}, `sample.levels: 100000 levels between the run's noise levels' ends are not all distinct`},
		{"solver levels that round together", base, []string{"train.loss=anneal_dsm", "model.noise_conditional=true", "train.sigmas={begin: 1.000000000001, end: 1, n: 2}", "sample.sampler=heun", "sample.steps=100000"}, `sample.steps: 100000 levels between the run's noise levels' ends (rho 7) are not all distinct`},
		{"eps that moves nothing", base, []string{"sample.sampler=langevin", "sample.eps=1e-300"}, `sample.eps: 1e-300 moves a chain by about 3.2e-149 over all its steps`},
		{"a key given twice", "name: t\ndata: {dataset: moons}\ntrain:\n  steps: 5\n  steps: 7\n", nil, `t.yaml:5: train.steps: given twice (first at line 4); give it once`},
		{"unet channels not a multiple of the groups", base, []string{"model.type=unet", "model.channels=[6,8]", "model.shape=[4,4,1]"}, `model.channels: level 0 has 6 channels: want a multiple of model.groups (8) up to 1024`},
		{"unet with too many levels", base, []string{"model.type=unet", "model.channels=[8,8,8,8,8,8]", "model.shape=[64,64,1]"}, `model.channels: must list the channels of 1 to 5 levels`},
		{"unet with huge channels", base, []string{"model.type=unet", "model.channels=[100000]", "model.shape=[4,4,1]"}, `up to 1024`},
		{"unet with 0 groups", base, []string{"model.type=unet", "model.groups=0", "model.shape=[4,4,1]"}, `model.groups: must be from 1 to 64, got 0`},
		{"unet on a table without a shape", base, []string{"model.type=unet"}, `model.shape: is required for the unet on dataset gaussian`},
		{"unet shape of two numbers", base, []string{"model.type=unet", "model.shape=[4,4]"}, `model.shape: must be [height, width, channels], got [4 4]`},
		{"unet shape that does not halve", base, []string{"model.type=unet", "model.shape=[6,6,1]", "model.channels=[8,8,8]"}, `3 levels halve the image 2 times, so its height and width must be multiples of 4, got 6x6`},
		{"unet with hidden layers", base, []string{"model.type=unet", "model.shape=[4,4,1]", "model.hidden=[16]"}, `model.hidden: does not apply to the unet`},
		{"unet with another activation", base, []string{"model.type=unet", "model.shape=[4,4,1]", "model.activation=tanh"}, `model.activation: the unet uses swish, not tanh`},
		{"unet on the exact loss", base, []string{"model.type=unet", "model.shape=[4,4,1]", "train.loss=exact"}, `train.loss: the unet trains on the denoising losses`},
		{"channels on an mlp", base, []string{"model.channels=[8]"}, `model.channels: model.channels, groups and shape apply to the unet only, not the mlp`},
		{"a sigma_data that underflows", base, []string{"train.loss=anneal_dsm", "model.noise_conditional=true", "model.sigma_data=1e-300"}, `model.sigma_data: must be 0 (no preconditioning) or from 1e-10 to 1e+10, got 1e-300`},
		{"annealed eps that moves nothing", base, []string{"train.loss=anneal_dsm", "model.noise_conditional=true", "sample.eps=1e-30"}, `sample.eps: 1e-30 moves a chain by about`},
		{"lr below float32's reach", base, []string{"model.dtype=float32", "train.lr=1e-11"}, `train.optimizer.lr: must be at least 1e-08 for a float32 model`},
		{"labels on a toy", base, []string{"data.labels=labels.gz"}, `data.labels: applies to idx and images data (for a table, name its column in data.label_column), not gaussian`},
		{"labels on images not by folders", "name: t\ndata: {dataset: images, path: imgs, labels: y.gz}\n", nil, `t.yaml:2: data.labels: for images must be folders`},
		{"label column on images", "name: t\ndata: {dataset: idx, path: x.gz, label_column: y}\n", nil, `data.label_column: applies to dataset file`},
		{"categories on images", "name: t\ndata: {dataset: idx, path: x.gz, categories: [{column: y}]}\n", nil, `data.categories: applies to dataset file`},
		{"a category without its column", "name: t\ndata: {dataset: file, path: x.csv, categories: [{levels: [a, b]}]}\n", nil, `data.categories: entry 1 has no column`},
		{"a category named twice", "name: t\ndata: {dataset: file, path: x.csv, categories: [{column: y}, {column: y}]}\n", nil, `data.categories: column "y" is named twice`},
		{"a category following no category", "name: t\ndata: {dataset: file, path: x.csv, categories: [{column: y, levels: [a, b], follows: z, follow_levels: [0]}]}\n", nil, `data.categories: column "y": follows "z", which is not a category`},
		{"a category following one of fewer levels", "name: t\ndata: {dataset: file, path: x.csv, categories: [{column: y, levels: [a, b], follows: z, follow_levels: [0, 1]}, {column: z, levels: [c, d]}]}\n", nil, `must have more levels (2) than it (2)`},
		{"follow levels that do not count", "name: t\ndata: {dataset: file, path: x.csv, categories: [{column: y, levels: [a, b], follows: z, follow_levels: [0, 1]}, {column: z, levels: [c, d, e]}]}\n", nil, `follow_levels has 2 entries, want one for each of "z"'s 3 levels`},
		{"a follow level past the levels", "name: t\ndata: {dataset: file, path: x.csv, categories: [{column: y, levels: [a, b], follows: z, follow_levels: [0, 2, -1]}, {column: z, levels: [c, d, e]}]}\n", nil, `follow_levels entry 2 is 2`},
		{"the label column as a category", "name: t\ndata: {dataset: file, path: x.csv, label_column: y, categories: [{column: y}]}\n", nil, `data.categories: column "y" is data.label_column`},
		{"leave_out on images", "name: t\ndata: {dataset: idx, path: x.gz, leave_out: [y]}\n", nil, `data.leave_out: applies to dataset file`},
		{"a column left out twice", "name: t\ndata: {dataset: file, path: x.csv, leave_out: [id, id]}\n", nil, `data.leave_out: column "id" is named twice`},
		{"a category left out", "name: t\ndata: {dataset: file, path: x.csv, leave_out: [y], categories: [{column: y}]}\n", nil, `data.leave_out: column "y" is a category`},
		{"a level named twice", "name: t\ndata: {dataset: file, path: x.csv, categories: [{column: y, levels: [b, a, b]}]}\n", nil, `data.categories: column "y": level "b" is named twice`},
		{"labels on the exact loss", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\ntrain: {loss: exact}\n", nil, `train.loss: a class-conditional model trains with a denoising loss`},
		{"labels on the gaussian model", "name: t\ndata: {dataset: idx, path: x.gz, labels: y.gz}\nmodel: {type: gaussian}\ntrain: {loss: exact}\n", nil, `a class-conditional model (data.labels, data.label_column) is an mlp or a unet`},
		{"labels on the graph engine", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\ntrain: {engine: graph}\n", nil, `train.engine: graph trains no class-conditional model`},
		{"label dropout of 1", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\n", []string{"train.label_dropout=1"}, `-set train.label_dropout=1: train.label_dropout: must be in (0, 1) (e.g. 0.1`},
		{"no label dropout", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\n", []string{"train.label_dropout=0"}, `train.label_dropout: must be in (0, 1)`},
		{"an empty label column", "name: t\ndata: {dataset: file, path: x.csv, label_column: \"\"}\n", nil, `t.yaml:2: data.label_column: is empty`},
		{"an empty label file", "name: t\ndata: {dataset: idx, path: x.gz, labels: \"\"}\n", nil, `t.yaml:2: data.labels: is empty`},
		{"label dropout without labels", base, []string{"train.label_dropout=0.2"}, `train.label_dropout: applies to labelled data`},
		{"negative classes", base, []string{"model.classes=-2"}, `model.classes: must be from 0 to 65536, got -2`},
		{"class names that do not count", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 2, class_names: [a]}\n", nil, `model.class_names: names 1 classes, model.classes is 2`},
		{"class names that are numbers", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 3, class_names: [\"2\", \"1\", \"0\"]}\n", nil, `model.class_names: name 1, "2", is a number, which -class reads as a class's index`},
		{"class names twice", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 3, class_names: [a, a, b]}\n", nil, `model.class_names: names 1 and 2 are both "a"`},
		{"a class named all", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 2, class_names: [all, b]}\n", nil, `is all, which -class reads as every class`},
		{"class counts that do not count", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 2, class_counts: [3]}\n", nil, `model.class_counts: counts 1 classes, model.classes is 2`},
		{"a negative class count", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 2, class_counts: [3, -1]}\n", nil, `model.class_counts: count 2 is -1, want the class's training rows`},
		{"class counts of no rows", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 2, class_counts: [0, 0]}\n", nil, `model.class_counts: counts no rows in any class`},
		{"a class name with a comma", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\nmodel: {classes: 2, class_names: [\"a,b\", c]}\n", nil, `holds a comma`},
		{"negative guidance", "name: t\ndata: {dataset: file, path: x.csv, label_column: y}\n", []string{"sample.guidance=-1"}, `sample.guidance: must be from 0 (the conditional score alone) to 100, got -1`},
		{"guidance without labels", base, []string{"sample.guidance=2"}, `sample.guidance: steers a class-conditional model's samples toward their class; this one has no labels`},
		{"classes without labels", base, []string{"model.classes=3"}, `model.classes: is set from the labels when training starts`},
		{"folders on idx data", "name: t\ndata: {dataset: idx, path: x.gz, labels: folders}\n", nil, `data.labels: folders applies to a folder of PNG class folders (dataset images), not idx`},
		{"nan weight", "name: t\ndata:\n  dataset: gaussian_mixture\n  means: [[0], [1]]\n  weights: [.nan, 0.5]\n  std: 1\n", nil, `t.yaml:5: data.weights[0]: must be a finite number, got .nan`},
		{"nan mean", strings.Replace(base, "[0, 0]", "[0, .NaN]", 1), nil, `data.mean[1]: must be a finite number, got .NaN`},
		{"infinite noise", "name: t\ndata:\n  dataset: moons\n  noise: .inf\n", nil, `t.yaml:4: data.noise: must be a finite number`},
		{"alias bomb", "name: t\ndata:\n  dataset: gaussian_mixture\n  weights: [1]\n  std: 1\n  means: [&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], " +
			"&c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], " +
			"&f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e], [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]]\n", nil, `t.yaml:6: data.means[1][0]: expected a number, got a list`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.text), "t.yaml", c.overrides)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestResumeConflictsIgnoreSafeKeys(t *testing.T) {
	a, err := Parse([]byte(base), "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]byte(base), "b", []string{"train.steps=9999", "train.log_every=7"})
	if err != nil {
		t.Fatal(err)
	}
	if d := ResumeConflicts(a, b); len(d) != 0 {
		t.Errorf("safe changes reported as conflicts: %v", d)
	}
	// train records data.columns, which a run from before the key lacks.
	named := *a
	named.Data.Columns = []string{"year", "x"}
	if d := ResumeConflicts(a, &named); len(d) != 0 {
		t.Errorf("the columns' names, recorded by train, reported as a conflict: %v", d)
	}
	c, err := Parse([]byte(base), "c", []string{"train.optimizer.lr=0.5", "model.hidden=[4]"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"model.hidden: [128, 128] -> [4]", "train.optimizer.lr: 0.001 -> 0.5"}
	if d := ResumeConflicts(a, c); !reflect.DeepEqual(d, want) {
		t.Errorf("conflicts %q, want %q", d, want)
	}
}

// A shipped config pointed at one's own file by -set: the keys of the old
// data set that the new one does not read are dropped, and said so; those
// the user set again stay (and are checked).
func TestChangingTheDatasetDropsItsKeys(t *testing.T) {
	for _, c := range []struct {
		name     string
		sets     []string
		dropped  string // in the note; "" for no note
		wantPath string
	}{
		{"moons to a file", []string{"data.dataset=file", "data.path=mine.csv"}, "-set data.dataset=file: dropped data.n from ../configs/moons.yaml: they do not apply to dataset file", "mine.csv"},
		{"mixture to a file", []string{"data.dataset=file", "data.path=mine.csv"}, "dropped data.n, data.means, data.weights, data.std", "mine.csv"},
		{"no dataset change", []string{"train.steps=10"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := "../configs/moons.yaml"
			if strings.HasPrefix(c.name, "mixture") {
				path = "../configs/mixture_annealed.yaml"
			}
			cfg, err := Load(path, c.sets)
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(cfg.Notes, "\n")
			if (c.dropped == "") != (notes == "") || !strings.Contains(notes, c.dropped) {
				t.Errorf("notes %q, want one saying %q", notes, c.dropped)
			}
			if c.wantPath != "" && (cfg.Data.Path != c.wantPath || cfg.Data.N != 0 || cfg.Data.Means != nil) {
				t.Errorf("data %+v", cfg.Data)
			}
		})
	}
	if _, err := Load("../configs/moons.yaml", []string{"data.dataset=file", "data.path=mine.csv", "data.n=50"}); err == nil || !strings.Contains(err.Error(), "data.n: does not apply to dataset file") {
		t.Errorf("data.n given again with a file: %v", err)
	}
}

// Image data get the image recipe's learning rate and steps per level,
// said in the defaults note; a value given by hand, in either spelling of
// the learning rate, wins; a table keeps torch's 1e-3.
func TestImageDataDefaults(t *testing.T) {
	for _, c := range []struct {
		name, text string
		sets       []string
		lr         float64
		steps      int
	}{
		{"the mlp on idx", "name: i\ndata: {dataset: idx, path: x.idx}\nmodel: {type: mlp}\n", nil, 2e-4, 5},
		{"the mlp on images", "name: i\ndata: {dataset: images, path: dir}\nmodel: {type: mlp}\n", nil, 2e-4, 5},
		{"idx: the unet's", "name: i\ndata: {dataset: idx, path: x.idx}\n", nil, 5e-4, 5},
		{"idx, lr by hand", "name: i\ndata: {dataset: idx, path: x.idx}\n", []string{"train.lr=0.001"}, 1e-3, 5},
		{"the mlp on idx, optimizer.lr by hand", "name: i\ndata: {dataset: idx, path: x.idx}\nmodel: {type: mlp}\n", []string{"train.optimizer.lr=0.0005"}, 5e-4, 5},
		{"table", "name: t\ndata: {dataset: file, path: x.csv}\n", nil, 1e-3, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.text), "c.yaml", c.sets)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Train.Optimizer.LR != c.lr || cfg.Sample.StepsPerLevel != c.steps {
				t.Errorf("lr %v, steps per level %d; want %v, %d", cfg.Train.Optimizer.LR, cfg.Sample.StepsPerLevel, c.lr, c.steps)
			}
			said := strings.Join(cfg.Notes, "\n")
			if announced := strings.Contains(said, "train.optimizer.lr 0.0002"); announced != (c.lr == 2e-4) {
				t.Errorf("notes %q: the image learning rate announced %v, want %v", said, announced, c.lr == 2e-4)
			}
		})
	}
}

// train.lr_decay is a run's own choice: constant unless given (the
// unet's recipe too: on Fashion-MNIST a fall over the last fifth moved its
// samples little, docs/CONFIG.md), and a given share is written into the
// run's config.yaml and read back from it.
func TestLRDecayIsGivenOnly(t *testing.T) {
	for _, c := range []struct {
		name, text string
		sets       []string
		decay      float64
	}{
		{"the unet", "name: u\ndata: {dataset: idx, path: x.idx}\n", nil, 0},
		{"a table", "name: t\ndata: {dataset: file, path: x.csv}\n", nil, 0},
		{"by hand", "name: u\ndata: {dataset: idx, path: x.idx}\n", []string{"train.lr_decay=0.2"}, 0.2},
		{"in the config", "name: m\ndata: {dataset: moons}\ntrain: {lr_decay: 0.5}\n", nil, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.text), "c.yaml", c.sets)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseRun(cfg.YAML(), "config.yaml", nil)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Train.LRDecay != c.decay || again.Train.LRDecay != c.decay {
				t.Errorf("lr_decay %v, from the run's config.yaml %v; want %v", cfg.Train.LRDecay, again.Train.LRDecay, c.decay)
			}
			if said := strings.Join(cfg.Notes, "\n"); strings.Contains(said, "lr_decay") {
				t.Errorf("notes %q choose train.lr_decay", said)
			}
		})
	}
}

// The unet samples by heun with churn below the data's scale unless told
// otherwise (churn_max auto, which train resolves): announced, written into
// the run's config.yaml and kept from it, and an explicit sampler, churn or
// churn limit wins (churn and its limit then not chosen for another
// sampler, the limit not where churn is off or given a start).
func TestUNetSamplingDefaults(t *testing.T) {
	const unet = "name: u\ndata: {dataset: idx, path: x.idx}\nmodel: {type: unet}\n"
	const chosen = unet + "sample: {sampler: heun, churn: 20, churn_max: 0.53, churn_max_auto: true}\n" // a run's config.yaml, resolved
	for _, c := range []struct {
		name, text                 string
		sets                       []string
		sampler                    string
		churn, churnMax, noise     float64
		churnMaxAuto               bool
		announceChurn, announceMax bool
	}{
		{"defaults", unet, nil, "heun", 20, 0, 1.003, true, true, true},
		{"churn by hand", unet, []string{"sample.churn=0"}, "heun", 0, 0, 1.003, false, false, false},
		{"churn's limit by hand", unet, []string{"sample.churn_max=0"}, "heun", 20, 0, 1.003, false, true, false},
		{"churn from a level by hand", unet, []string{"sample.churn_min=0.1"}, "heun", 20, 0, 1.003, false, true, false},
		{"another sampler", unet, []string{"sample.sampler=dpmpp_2m"}, "dpmpp_2m", 0, 0, 1, false, false, false},
		{"the mlp on images", "name: i\ndata: {dataset: idx, path: x.idx}\nmodel: {type: mlp}\n", nil, "annealed", 0, 0, 1, false, false, false},
		{"images: the unet", "name: i\ndata: {dataset: idx, path: x.idx}\n", nil, "heun", 20, 0, 1.003, true, true, true},
		{"chosen, kept", chosen, nil, "heun", 20, 0.53, 1.003, true, false, false},
		{"chosen, then a number", chosen, []string{"sample.churn_max=0.2"}, "heun", 20, 0.2, 1.003, false, false, false},
		{"auto on an mlp", "name: m\ndata: {dataset: moons}\nmodel: {noise_conditional: true}\ntrain: {loss: anneal_dsm}\n", []string{"sample.sampler=heun", "sample.churn=5", "sample.churn_max=auto"}, "heun", 5, 0, 1, true, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.text), "c.yaml", c.sets)
			if err != nil {
				t.Fatal(err)
			}
			check := func(from string, s Sample) {
				if s.Sampler != c.sampler || s.Churn != c.churn || s.ChurnMax != c.churnMax || s.ChurnMaxAuto != c.churnMaxAuto || s.ChurnNoise != c.noise {
					t.Errorf("%s: sampler %s, churn %v, churn_max %v (auto %v), churn_noise %v; want %s, %v, %v (%v), %v", from,
						s.Sampler, s.Churn, s.ChurnMax, s.ChurnMaxAuto, s.ChurnNoise, c.sampler, c.churn, c.churnMax, c.churnMaxAuto, c.noise)
				}
			}
			check("parsed", cfg.Sample)
			said := strings.Join(cfg.Notes, "\n")
			if strings.Contains(said, "sample.churn 20") != c.announceChurn {
				t.Errorf("notes %q: churn announced %v, want %v", said, !c.announceChurn, c.announceChurn)
			}
			if strings.Contains(said, "sample.churn_max auto") != c.announceMax {
				t.Errorf("notes %q: churn_max announced %v, want %v", said, !c.announceMax, c.announceMax)
			}
			again, err := Parse(cfg.YAML(), "config.yaml", nil)
			if err != nil {
				t.Fatal(err)
			}
			check("from the run's config.yaml", again.Sample)
		})
	}
}

// A run's config.yaml records auto's dtype; overriding its loss chooses
// again (sliced is float64), while a dtype given by hand stays.
func TestAutoDtypeFollowsTheLoss(t *testing.T) {
	text := "name: r\ndata: {dataset: moons}\nmodel: {noise_conditional: true}\ntrain: {loss: anneal_dsm}\n"
	first, err := Parse([]byte(text), "c.yaml", nil)
	if err != nil || first.Model.Dtype != "float32" {
		t.Fatalf("anneal_dsm: %v, %v", first.Model.Dtype, err)
	}
	saved := first.YAML()
	again, err := Parse(saved, "config.yaml", []string{"train.loss=sliced", "model.noise_conditional=false"})
	if err != nil || again.Model.Dtype != "float64" {
		t.Errorf("the run's config with loss sliced: dtype %v (%v), want float64", again.Model.Dtype, err)
	}
	byHand, err := Parse(saved, "config.yaml", []string{"train.loss=sliced", "model.noise_conditional=false", "model.dtype=float32"})
	if err != nil || byHand.Model.Dtype != "float32" {
		t.Errorf("dtype float32 by hand with loss sliced: %v (%v)", byHand.Model.Dtype, err)
	}
}

// Labelled data get label dropout 0.1 unless given; a value given, 0
// included, survives the run's config.yaml.
func TestLabelDropoutDefault(t *testing.T) {
	for _, c := range []struct {
		name      string
		overrides []string
		want      float64
	}{
		{"default", nil, DefaultLabelDropout},
		{"given", []string{"train.label_dropout=0.25"}, 0.25},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte("name: t\ndata: {dataset: idx, path: x.gz, labels: y.gz}\n"), "t.yaml", c.overrides)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(cfg.YAML(), "config.yaml", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []*Config{cfg, again} {
				if got.Train.LabelDropout == nil || *got.Train.LabelDropout != c.want {
					t.Errorf("train.label_dropout %v, want %v", got.Train.LabelDropout, c.want)
				}
			}
		})
	}
}

// A sampler chosen by -set takes its own default count of steps where the
// file's count was the other kind's: a solver's levels are not Langevin's
// steps, nor the other way; a count given with the sampler stays.
func TestSamplerOverrideTakesItsStepCount(t *testing.T) {
	for _, c := range []struct {
		name, sample string
		overrides    []string
		want         int
	}{
		{"heun's levels to langevin", "{sampler: heun, steps: 25}", []string{"sample.sampler=langevin"}, 1000},
		{"langevin's steps to heun", "{sampler: langevin, steps: 1000}", []string{"sample.sampler=heun"}, DefaultSolverLevels},
		{"langevin to langevin", "{sampler: langevin, steps: 500}", []string{"sample.sampler=langevin"}, 500},
		{"steps given with the sampler", "{sampler: heun, steps: 25}", []string{"sample.sampler=langevin", "sample.steps=300"}, 300},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte("name: t\ndata: {dataset: moons}\nsample: "+c.sample+"\n"), "t.yaml", c.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Sample.Steps != c.want {
				t.Errorf("sample.steps %d, want %d", cfg.Sample.Steps, c.want)
			}
		})
	}
}

// An empty section takes -set keys below it, as a missing one does.
func TestOverrideIntoAnEmptySection(t *testing.T) {
	cfg, err := Parse([]byte("name: t\ndata: {dataset: moons}\nmodel:\n"), "t.yaml", []string{"model.hidden=[8]"})
	if err != nil || len(cfg.Model.Hidden) != 1 || cfg.Model.Hidden[0] != 8 {
		t.Errorf("model.hidden %v, %v; want [8]", cfg.Model.Hidden, err)
	}
}

// autoChoice is a case of a key chosen by default: a config (parsed as a
// run's config.yaml where run is set) and its -set, the value it comes to,
// and whether the defaults line announces it.
type autoChoice struct {
	name, text string
	sets       []string
	run        bool
	want       string
	announced  bool
}

// checkChoices checks each case's value of key (get), as parsed and as read
// back from the run's config.yaml, and that the notes say "key value"
// exactly where the case is announced.
func checkChoices(t *testing.T, key string, get func(*Config) string, cases []autoChoice) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, again := parsedAndReread(t, c.text, c.sets, c.run)
			if got, reread := get(cfg), get(again); got != c.want || reread != c.want {
				t.Errorf("%s %q, from the run's config.yaml %q, want %q", key, got, reread, c.want)
			}
			said := strings.Join(cfg.Notes, "\n")
			if got := strings.Contains(said, key+" "+c.want); got != c.announced {
				t.Errorf("the notes say %s %s: %v, want %v; notes:\n%s", key, c.want, got, c.announced, said)
			}
		})
	}
}

// data.quantile: auto for a table from a file, announced and written into
// the run's config.yaml; an explicit value wins; a run's config.yaml from
// before the key existed reads as none, as that run was trained; it
// applies to tables alone.
func TestQuantileDefaults(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	checkChoices(t, "data.quantile", func(c *Config) string { return c.Data.Quantile }, []autoChoice{
		{"a table", table, nil, false, "auto", true},
		{"none by hand", table, []string{"data.quantile=none"}, false, "none", false},
		{"a run's config.yaml from before the key", table, nil, true, "none", false},
		{"a run's config.yaml with it", "name: t\ndata: {dataset: file, path: t.csv, quantile: auto}\n", nil, true, "auto", false},
		{"images", "name: i\ndata: {dataset: idx, path: x.idx}\n", nil, false, "", false},
		{"a toy", "name: m\ndata: {dataset: moons}\n", nil, false, "", false},
	})
	for _, bad := range []struct{ text, want string }{
		{table + "", "data.quantile: must be auto or none"},
		{"name: m\ndata: {dataset: moons, quantile: auto}\n", "data.quantile: applies to dataset file"},
	} {
		sets := []string{"data.quantile=some"}
		if strings.Contains(bad.text, "moons") {
			sets = nil
		}
		if _, err := Parse([]byte(bad.text), "c.yaml", sets); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q %v: error %v, want one saying %q", bad.text, sets, err, bad.want)
		}
	}
}

// Images get the unet's recipe unless the config names a model: the
// network, its channels, batch, length, learning rate, held-out share and
// sampler as configs/fashion_mnist_unet.yaml measured them, announced and
// kept from the run's config.yaml; the default channels lose the levels
// an image's size cannot be halved for, channels given by hand do not.
func TestImagesGetTheUNet(t *testing.T) {
	cfg, err := Parse([]byte("name: i\ndata: {dataset: idx, path: x.idx}\n"), "c.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, tr := cfg.Model, cfg.Train
	if m.Type != "unet" || !slices.Equal(m.Channels, []int{32, 64, 128}) || !m.ChannelsAuto || tr.BatchSize != 64 || tr.Steps != 7500 ||
		tr.Optimizer.LR != 5e-4 || cfg.Data.Holdout != 0.02 || tr.Loss != "edm_dsm" || cfg.Sample.Steps != 50 {
		t.Errorf("model %s %v (auto %v), batch %d, steps %d, lr %v, holdout %v, loss %s, sample.steps %d",
			m.Type, m.Channels, m.ChannelsAuto, tr.BatchSize, tr.Steps, tr.Optimizer.LR, cfg.Data.Holdout, tr.Loss, cfg.Sample.Steps)
	}
	if said := strings.Join(cfg.Notes, "\n"); !strings.Contains(said, "model.type unet, ") || !strings.Contains(said, "train.steps 7500") {
		t.Errorf("notes %q do not announce the unet's recipe", said)
	}
	again, err := ParseRun(cfg.YAML(), "config.yaml", nil)
	if err != nil || again.Model.Type != "unet" || again.Train.Steps != 7500 || !again.Model.ChannelsAuto || again.Data.Holdout != 0.02 {
		t.Errorf("from the run's config.yaml: %+v, %v", again.Model, err)
	}
	for _, keys := range []string{"model: {hidden: [64]}", "model: {residual: true}", "model: {noise_conditional: false}\ntrain: {loss: dsm}"} {
		cfg, err := Parse([]byte("name: i\ndata: {dataset: idx, path: x.idx}\n"+keys+"\n"), "c.yaml", nil)
		if err != nil || cfg.Model.Type != "mlp" {
			t.Errorf("images with %s: model.type %s (%v), want the mlp", keys, cfg.Model.Type, err)
		}
	}
	mlp, err := Parse([]byte("name: i\ndata: {dataset: idx, path: x.idx}\nmodel: {type: mlp}\n"), "c.yaml", nil)
	if err != nil || mlp.Model.Type != "mlp" || mlp.Data.Holdout != 0.1 || mlp.Train.BatchSize == 64 {
		t.Errorf("model.type mlp on images: %s, holdout %v, batch %d (%v)", mlp.Model.Type, mlp.Data.Holdout, mlp.Train.BatchSize, err)
	}
	for _, c := range []struct {
		name   string
		given  bool
		h, w   int
		want   []int
		saying bool
	}{
		{"28x28: three levels", false, 28, 28, []int{32, 64, 128}, false},
		{"30x30: two", false, 30, 30, []int{32, 64}, true},
		{"7x9: one", false, 7, 9, []int{32}, true},
		{"given by hand: left to validation", true, 7, 9, []int{32, 64, 128}, false},
	} {
		m := Model{Channels: []int{32, 64, 128}, ChannelsAuto: !c.given}
		said := m.FitChannels(c.h, c.w)
		if !slices.Equal(m.Channels, c.want) || (said != "") != c.saying {
			t.Errorf("%s: channels %v, said %q; want %v", c.name, m.Channels, said, c.want)
		}
	}
	if _, err := Parse([]byte("name: u\ndata: {dataset: file, path: p.csv}\nmodel: {type: unet, shape: [6, 6, 1]}\n"), "c.yaml", nil); err != nil {
		t.Errorf("the unet's default channels on 6x6 pixels: %v", err)
	}
}

// The unet's 50 levels survive naming its own sampler again, on a run's
// config.yaml or a fresh config; another sampler counts its own
// (DefaultSolverLevels).
func TestUNetLevelsKeptWhenItsSamplerIsNamed(t *testing.T) {
	const images = "name: i\ndata: {dataset: idx, path: x.idx}\n"
	fresh, err := Parse([]byte(images), "c.yaml", []string{"sample.sampler=heun"})
	if err != nil || fresh.Sample.Steps != 50 {
		t.Errorf("a fresh config with sample.sampler=heun: %d levels (%v), want 50", fresh.Sample.Steps, err)
	}
	first, err := Parse([]byte(images), "c.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sets []string
		want int
	}{
		{[]string{"sample.sampler=heun"}, 50},
		{[]string{"sample.sampler=dpmpp_2m"}, DefaultSolverLevels},
		{[]string{"sample.sampler=heun", "sample.steps=10"}, 10},
	} {
		again, err := ParseRun(first.YAML(), "config.yaml", c.sets)
		if err != nil || again.Sample.Steps != c.want {
			t.Errorf("the run's config.yaml with %v: %d levels (%v), want %d", c.sets, again.Sample.Steps, err, c.want)
		}
	}
}

// data.discrete_values, data.discrete_spread, data.discrete_gap,
// data.quantile_valleys (true as 1) and data.valley_levels: the
// default for a table
// from a file, written into the run's config.yaml and read back; an
// explicit value wins; a run's config.yaml from before the key reads as
// that run was trained (its discrete columns found, and their rows
// spread, as they were); a value out of range is refused, naming the key.
func TestDiscreteKeyDefaults(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	for _, key := range []struct {
		name          string
		get           func(*Config) float64
		def, old, set float64
		bad           []string
	}{
		{"discrete_values", func(c *Config) float64 { return float64(c.Data.DiscreteValues) }, DefaultDiscreteValues, OldDiscreteValues, 64, []string{"0"}},
		{"discrete_spread", func(c *Config) float64 { return c.Data.DiscreteSpread }, DefaultDiscreteSpread, OldDiscreteSpread, 0.25, []string{"0", "-0.5", "1.5", "nan"}},
		{"discrete_gap", func(c *Config) float64 { return c.Data.DiscreteGap }, DefaultDiscreteGap, OldDiscreteGap, 2, []string{"0", "0.5", "11", "nan"}},
		{"quantile_valleys", func(c *Config) float64 { return map[bool]float64{true: 1}[c.Data.Valleys()] }, 1, 0, 0, []string{"maybe"}},
		{"quantile_masses", func(c *Config) float64 { return map[bool]float64{true: 1}[c.Data.Masses()] }, 1, 0, 0, []string{"maybe"}},
		{"valley_levels", func(c *Config) float64 { return float64(c.Data.ValleyLevels) }, DefaultValleyLevels, OldValleyLevels, 12, []string{"0", "2", "-1", "100000"}},
	} {
		for _, c := range []struct {
			name, text string
			sets       []string
			run        bool
			want       float64
		}{
			{"a table", table, nil, false, key.def},
			{"by hand", table, []string{fmt.Sprintf("data.%s=%v", key.name, map[bool]string{true: "false", false: fmt.Sprint(key.set)}[key.name == "quantile_valleys" || key.name == "quantile_masses"])}, false, key.set},
			{"a run's config.yaml from before the key", table, nil, true, key.old},
			{"a run's config.yaml with it", fmt.Sprintf("name: t\ndata: {dataset: file, path: t.csv, %s: %v}\n", key.name, map[bool]string{true: "true", false: fmt.Sprint(key.def)}[key.name == "quantile_valleys" || key.name == "quantile_masses"]), nil, true, key.def},
			{"a toy", "name: m\ndata: {dataset: moons}\n", nil, false, 0},
		} {
			t.Run(key.name+"/"+c.name, func(t *testing.T) {
				cfg, again := parsedAndReread(t, c.text, c.sets, c.run)
				if key.get(cfg) != c.want || key.get(again) != c.want {
					t.Errorf("data.%s %v, from the run's config.yaml %v, want %v", key.name, key.get(cfg), key.get(again), c.want)
				}
			})
		}
		for _, bad := range key.bad {
			if _, err := Parse([]byte(table), "c.yaml", []string{"data." + key.name + "=" + bad}); err == nil || !strings.Contains(err.Error(), "data."+key.name) {
				t.Errorf("data.%s %s: %v, want an error naming the key", key.name, bad, err)
			}
		}
	}
	// A run trained with quantile_valleys false writes it, so that its
	// config.yaml read as a plain config (train -config, sample's -set)
	// trains and prepares as the run did.
	off, err := Parse([]byte(table), "c.yaml", []string{"data.quantile_valleys=false"})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Parse(off.YAML(), "config.yaml", nil); err != nil || again.Data.Valleys() || !strings.Contains(string(off.YAML()), "quantile_valleys: false") {
		t.Errorf("quantile_valleys false read back as a plain config: %v, %v:\n%s", again.Data.Valleys(), err, off.YAML())
	}
	for _, set := range []string{"data.discrete_spread=0.5", "data.discrete_gap=3", "data.quantile_valleys=true", "data.quantile_masses=true"} {
		key, _, _ := strings.Cut(set, "=")
		if _, err := Parse([]byte("name: m\ndata: {dataset: moons}\n"), "c.yaml", []string{set}); err == nil || !strings.Contains(err.Error(), key+": applies to dataset file") {
			t.Errorf("%s on moons: %v, want it refused as not applying", key, err)
		}
	}
}

// parsedAndReread parses text with sets (as a run's config.yaml when run
// says so), then the config.yaml it writes, as a resume reads it.
func parsedAndReread(t *testing.T, text string, sets []string, run bool) (cfg, again *Config) {
	t.Helper()
	parse := Parse
	if run {
		parse = ParseRun
	}
	cfg, err := parse([]byte(text), "c.yaml", sets)
	if err != nil {
		t.Fatal(err)
	}
	if again, err = ParseRun(cfg.YAML(), "config.yaml", nil); err != nil {
		t.Fatalf("the run's config.yaml: %v", err)
	}
	return cfg, again
}

// A table sampled by a solver trains over continuous levels by default
// (edm_dsm; vesde_dsm where the preconditioning is turned off); annealed
// or plain Langevin, images on the MLP and a single level keep the ladder
// (anneal_dsm); a given loss wins, a run's config.yaml keeps what it was
// trained with, and a continuous loss refuses a single level.
func TestTableLossDefault(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	checkChoices(t, "train.loss", func(c *Config) string { return c.Train.Loss }, []autoChoice{
		{"a table", table, nil, false, "edm_dsm", true},
		{"a table sampled by dpmpp_2m", table, []string{"sample.sampler=dpmpp_2m"}, false, "edm_dsm", true},
		{"a table sampled by annealed Langevin", table, []string{"sample.sampler=annealed"}, false, "anneal_dsm", true},
		{"a table sampled by plain Langevin", table, []string{"sample.sampler=langevin"}, false, "anneal_dsm", true},
		{"a table sampled by pc", table, []string{"sample.sampler=pc"}, false, "edm_dsm", true},
		{"a table sampled by ode", table, []string{"sample.sampler=ode"}, false, "edm_dsm", true},
		{"a table of one noise level", table, []string{"train.sigmas={begin: 0.5, end: 0.5, n: 1}"}, false, "anneal_dsm", true},
		{"a table without preconditioning", table, []string{"model.sigma_data=0"}, false, "vesde_dsm", true},
		{"a table, sigma_data by hand", table, []string{"model.sigma_data=0.5"}, false, "edm_dsm", true},
		{"a table, sigma_data auto by hand", table, []string{"model.sigma_data=auto"}, false, "edm_dsm", true},
		{"a table with a class column", table, []string{"data.label_column=species"}, false, "edm_dsm", true},
		{"a table, the loss by hand", table, []string{"train.loss=vesde_dsm"}, false, "vesde_dsm", false},
		{"a run's config.yaml from before", "name: t\ndata: {dataset: file, path: t.csv}\nmodel: {noise_conditional: true}\ntrain: {loss: anneal_dsm}\n", nil, true, "anneal_dsm", false},
		{"images on the mlp", "name: i\ndata: {dataset: idx, path: x.idx}\nmodel: {type: mlp}\n", nil, false, "anneal_dsm", true},
		{"images on the unet", "name: i\ndata: {dataset: idx, path: x.idx}\n", nil, false, "edm_dsm", true},
		{"a toy", "name: m\ndata: {dataset: moons}\n", nil, false, "exact", false},
	})
	for _, loss := range []string{"edm_dsm", "vesde_dsm"} {
		_, err := Parse([]byte(table), "c.yaml", []string{"train.loss=" + loss, "train.sigmas={begin: 0.5, end: 0.5, n: 1}"})
		if err == nil || !strings.Contains(err.Error(), "train.sigmas.n: "+loss+" draws its noise levels between the ladder's ends") {
			t.Errorf("%s on one level: %v, want an error naming train.sigmas.n", loss, err)
		}
	}
	// A network not told the noise level cannot take the loss the table
	// was given by default: the error says it was a default, and what to set.
	if _, err := Parse([]byte(table), "c.yaml", []string{"model.noise_conditional=false"}); err == nil ||
		!strings.Contains(err.Error(), "train.loss: edm_dsm needs model.noise_conditional: true (it is a table's default loss: set train.loss: exact or sliced") {
		t.Errorf("a table without noise conditioning: %v", err)
	}
}

// data.missing is drop for a table, said among the defaults and written
// into config.yaml; refuse by hand; a run's config.yaml from before the
// key reads as refuse, as it was trained; it applies to files only.
func TestMissingDefaults(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	for _, c := range []struct {
		name, text string
		sets       []string
		run        bool
		want       string
	}{
		{"a table", table, nil, false, "drop"},
		{"by hand", table, []string{"data.missing=refuse"}, false, "refuse"},
		{"a run's config.yaml from before the key", table, nil, true, "refuse"},
		{"a run's config.yaml with it", "name: t\ndata: {dataset: file, path: t.csv, missing: drop}\n", nil, true, "drop"},
		{"a toy", "name: m\ndata: {dataset: moons}\n", nil, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, again := parsedAndReread(t, c.text, c.sets, c.run)
			if cfg.Data.Missing != c.want || again.Data.Missing != c.want {
				t.Errorf("data.missing %q, from the run's config.yaml %q, want %q", cfg.Data.Missing, again.Data.Missing, c.want)
			}
			if said := strings.Contains(strings.Join(cfg.Notes, "\n"), "data.missing drop"); said != (c.want == "drop" && !c.run) {
				t.Errorf("the defaults line says data.missing drop: %v; notes:\n%s", said, strings.Join(cfg.Notes, "\n"))
			}
		})
	}
	for _, set := range []string{"data.missing=keep"} {
		if _, err := Parse([]byte(table), "c.yaml", []string{set}); err == nil || !strings.Contains(err.Error(), "data.missing") {
			t.Errorf("-set %s: %v, want an error naming the key", set, err)
		}
	}
	if _, err := Parse([]byte("name: m\ndata: {dataset: moons, missing: drop}\n"), "c.yaml", nil); err == nil || !strings.Contains(err.Error(), "data.missing") {
		t.Errorf("data.missing on moons: %v, want an error naming the key", err)
	}
}

// train.nearness is on for a table of train.steps: auto, said among the
// defaults and written into config.yaml; off by hand, for a fixed length,
// for a toy and for a run's config.yaml from before the key; refused where
// there is no auto length to follow.
func TestNearnessDefaults(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	for _, c := range []struct {
		name, text string
		sets       []string
		run        bool
		want       bool
	}{
		{"a table", table, nil, false, true},
		{"by hand", table, []string{"train.nearness=false"}, false, false},
		{"a fixed length", table, []string{"train.steps=500"}, false, false},
		{"a run's config.yaml from before the key", "name: t\ndata: {dataset: file, path: t.csv}\ntrain: {steps_auto: true, steps: 0}\n", nil, true, false},
		{"a run's config.yaml with it", "name: t\ndata: {dataset: file, path: t.csv}\ntrain: {steps_auto: true, steps: 0, nearness: true}\n", nil, true, true},
		{"a toy", "name: m\ndata: {dataset: moons}\n", nil, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, again := parsedAndReread(t, c.text, c.sets, c.run)
			if cfg.Train.Nearness != c.want || again.Train.Nearness != c.want {
				t.Errorf("train.nearness %v, from the run's config.yaml %v, want %v", cfg.Train.Nearness, again.Train.Nearness, c.want)
			}
			if said := strings.Contains(strings.Join(cfg.Notes, "\n"), "train.nearness true"); said != (c.want && !c.run) {
				t.Errorf("the defaults line says train.nearness true: %v; notes:\n%s", said, strings.Join(cfg.Notes, "\n"))
			}
		})
	}
	if _, err := Parse([]byte(table), "c.yaml", []string{"train.steps=500", "train.nearness=true"}); err == nil || !strings.Contains(err.Error(), "train.nearness") {
		t.Errorf("train.nearness with a fixed length: %v, want an error naming the key", err)
	}
}

// A number given for a table's train.steps is said at start-up to train
// every step, without auto's stop, refit and nearness (told to train
// longer, a user gave 40000 and got diffuse samples); not for auto, a
// toy, the unet's own length or a run's config.yaml.
func TestGivenStepsAreSaid(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	for _, c := range []struct {
		name, text string
		sets       []string
		run        bool
		want       bool
	}{
		{"a number for a table", table, []string{"train.steps=40000"}, false, true},
		{"a number and a patience", table, []string{"train.steps=40000", "train.patience=2", "train.eval_every=50"}, false, false},
		{"auto", table, nil, false, false},
		{"a toy", "name: m\ndata: {dataset: moons}\n", []string{"train.steps=500"}, false, false},
		{"a run's config.yaml", "name: t\ndata: {dataset: file, path: t.csv}\ntrain: {steps: 500}\n", nil, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, _ := parsedAndReread(t, c.text, c.sets, c.run)
			if said := strings.Contains(strings.Join(cfg.Notes, "\n"), "as given: every step is trained"); said != c.want {
				t.Errorf("said: %v, want %v; notes:\n%s", said, c.want, strings.Join(cfg.Notes, "\n"))
			}
		})
	}
}

// A table sampled by a solver chooses sample.sigma_stop when sampling
// (auto): announced with the defaults, written into the run's config.yaml
// and kept from it; a number given by hand, another sampler or a run's
// config.yaml from before the key keep it off.
func TestTableSigmaStopDefaults(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	for _, c := range []struct {
		name     string
		text     string
		run      bool
		sets     []string
		stop     float64
		auto     bool
		announce bool
	}{
		{"a table", table, false, nil, 0, true, true},
		{"a number by hand", table, false, []string{"sample.sigma_stop=0.2"}, 0.2, false, false},
		{"off by hand", table, false, []string{"sample.sigma_stop=0"}, 0, false, false},
		{"annealed Langevin", table, false, []string{"sample.sampler=annealed"}, 0, false, false},
		{"dpmpp_2m", table, false, []string{"sample.sampler=dpmpp_2m"}, 0, true, true},
		{"a run's config.yaml from before the key", table + "sample: {sampler: heun}\n", true, nil, 0, false, false},
		{"auto given to a run from before the key", table + "sample: {sampler: heun}\n", true, []string{"sample.sigma_stop=auto"}, 0, true, false},
		{"a synthetic data set", "name: m\ndata: {dataset: moons}\nmodel: {noise_conditional: true}\ntrain: {loss: anneal_dsm}\nsample: {sampler: heun}\n", false, nil, 0, false, false},
		{"a run's level, then a sampler without levels", table + "sample: {sampler: heun, sigma_stop: 0.2}\n", true, []string{"sample.sampler=ode"}, 0, false, false},
		{"a run's level, then the other solver", table + "sample: {sampler: heun, sigma_stop: 0.2}\n", true, []string{"sample.sampler=dpmpp_2m"}, 0.2, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			parse := Parse
			if c.run {
				parse = ParseRun
			}
			cfg, err := parse([]byte(c.text), "c.yaml", c.sets)
			if err != nil {
				t.Fatal(err)
			}
			check := func(from string, s Sample) {
				if s.SigmaStop != c.stop || s.SigmaStopAuto != c.auto {
					t.Errorf("%s: sigma_stop %v (auto %v), want %v (%v)", from, s.SigmaStop, s.SigmaStopAuto, c.stop, c.auto)
				}
			}
			check("parsed", cfg.Sample)
			if said := strings.Join(cfg.Notes, "\n"); strings.Contains(said, "sample.sigma_stop auto") != c.announce {
				t.Errorf("notes %q: sigma_stop announced %v, want %v", said, !c.announce, c.announce)
			}
			again, err := ParseRun(cfg.YAML(), "config.yaml", nil)
			if err != nil {
				t.Fatal(err)
			}
			check("from the run's config.yaml", again.Sample)
		})
	}
}

func TestSigmaStopRefused(t *testing.T) {
	const table = "name: t\ndata: {dataset: file, path: t.csv}\n"
	for _, c := range []struct {
		name string
		sets []string
		want string
	}{
		{"negative", []string{"sample.sigma_stop=-0.1"}, "sample.sigma_stop: must be 0 (denoise at the smallest noise level), auto, or a level up to"},
		{"annealed Langevin", []string{"sample.sampler=annealed", "sample.sigma_stop=0.2"}, "sample.sigma_stop: 0.2 is where heun and dpmpp_2m stop; sampler annealed walks no such schedule"},
		{"above the ladder", []string{"train.sigmas={begin: 1, end: 0.01, n: 10}", "sample.sigma_stop=1.5"}, "sample.sigma_stop: 1.5 is at or above the ladder's largest noise level"},
		{"below the ladder", []string{"train.sigmas={begin: 1, end: 0.01, n: 10}", "sample.sigma_stop=0.001"}, "sample.sigma_stop: 0.001 is below the ladder's smallest noise level 0.01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(table), "c.yaml", c.sets)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
