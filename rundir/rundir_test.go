package rundir

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/noisescale"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// checkpointOf encodes a freshly initialised model of cfg as a checkpoint
// at step 10.
func checkpointOf(t *testing.T, cfg *configs.Config, dim int) (*checkpoints.Checkpoint, nn.Model) {
	t.Helper()
	m, err := nn.New(ModelSpec(cfg, dim), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	mom := &Moments{Steps: 10}
	for _, p := range m.Params() {
		mom.M = append(mom.M, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.Of(p.Value.Dtype())))
		mom.V = append(mom.V, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.Of(p.Value.Dtype())))
	}
	s := &Snapshot{Step: 10, Config: cfg, Model: m, Moments: mom, Norm: datasets.Identity(dim), Order: "test"}
	c, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

func testConfig(t *testing.T, overrides ...string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse([]byte("name: r\ndata: {dataset: moons}\nmodel: {hidden: [16, 16]}\n"), "r.yaml",
		append([]string{"output.dir=" + t.TempDir()}, overrides...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// restore refuses a checkpoint of another model, naming what differs, and
// copies nothing unless everything matches.
func TestRestoreChecksTheModel(t *testing.T) {
	c, _ := checkpointOf(t, testConfig(t), 2)
	other, err := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{16, 8}, Activation: "tanh"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(other.Params()[0].Value.Data().([]float64))
	err = restore(c, other, "float64", paramSlot(prefixParam, other))
	if err == nil || !strings.Contains(err.Error(), "layer1.weight has shape [16 16], the config's model needs [16 8]") {
		t.Errorf("got %v, want a shape mismatch naming layer1.weight", err)
	}
	if !slices.Equal(before, other.Params()[0].Value.Data().([]float64)) {
		t.Error("a mismatched checkpoint was partly loaded")
	}
	if err := restore(c, other, "float32", paramSlot(prefixParam, other)); err == nil || !strings.Contains(err.Error(), "float64 parameters, the config asks for float32") {
		t.Errorf("dtype mismatch: got %v", err)
	}
	gauss, _ := nn.New(nn.Spec{Kind: "gaussian", Dim: 2}, nil)
	if err := restore(c, gauss, "float64", paramSlot(prefixParam, gauss)); err == nil || !strings.Contains(err.Error(), `checkpoint holds a "mlp" model, the config asks for "gaussian"`) {
		t.Errorf("model type mismatch: got %v", err)
	}
}

// Open reads a run from its checkpoint alone: a run trained on a data file
// opens after the file has gone, and only Data asks for the file, naming it
// and what needed it.
func TestOpenNeedsNoDataUntilAsked(t *testing.T) {
	cfg := testConfig(t, "data.dataset=file", "data.path=/nonexistent/points.csv", "model.residual=true")
	c, m := checkpointOf(t, cfg, 3)
	if _, err := checkpoints.Save(CheckpointDir(cfg.Output.Dir), c, 0); err != nil {
		t.Fatal(err)
	}
	run, err := Open(cfg.Output.Dir, "")
	if err != nil {
		t.Fatalf("a run whose data file has gone does not open: %v", err)
	}
	if run.Step != 10 || run.Model.Dim() != 3 || !run.Model.(*nn.MLP).Layout().Residual {
		t.Errorf("opened step %d, dimension %d, layout %+v", run.Step, run.Model.Dim(), run.Model.(*nn.MLP).Layout())
	}
	if !slices.Equal(run.Model.Params()[2].Value.Data().([]float64), m.Params()[2].Value.Data().([]float64)) {
		t.Error("the opened model's parameters differ from the checkpoint's")
	}
	_, err = run.Data("plotting over the data")
	if err == nil || !strings.Contains(err.Error(), "plotting over the data needs the run's training data, data.path /nonexistent/points.csv") {
		t.Errorf("Data with the file gone: %v, want the file and the reason named", err)
	}
}

// One trainer at a time: a second lock on the directory fails at once,
// naming the directory and the holder's pid; it is free again once the
// first is released.
func TestLockDirIsExclusive(t *testing.T) {
	dir := t.TempDir() + "/run"
	first, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir)
	if err == nil || !strings.Contains(err.Error(), "run directory "+dir+" is in use: process "+strconv.Itoa(os.Getpid())+" is training in it") {
		t.Errorf("second lock: %v, want the directory and this process named", err)
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := LockDir(dir)
	if err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	again.Unlock()
}

// A checkpoint whose metadata (rehashed, so it verifies) claims a huge
// model is refused before the model is built.
func TestOpenRefusesHugeModelsInMetadata(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"dim", "1000000000", "dimension 1000000000 is above the limit"},
		{"config", "", "would have 5000000002 parameters"},
	} {
		cfg := testConfig(t)
		ck, _ := checkpointOf(t, cfg, 2)
		if c.key == "config" {
			ck.Meta["config"] = strings.Replace(ck.Meta["config"], "hidden:\n        - 16\n        - 16", "hidden: [1000000000]", 1)
			if !strings.Contains(ck.Meta["config"], "1000000000") {
				t.Fatalf("could not edit the embedded config:\n%s", ck.Meta["config"])
			}
		} else {
			ck.Meta[c.key] = c.value
		}
		if _, err := checkpoints.Save(CheckpointDir(cfg.Output.Dir), ck, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(cfg.Output.Dir, ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s: %v, want %q", c.key, c.value, err, c.want)
		}
	}
}

// Auto noise scales are chosen from the data as documented: sigma_1 the
// largest distance, sigma_L 0.03 of the RMS standard deviation, the levels
// by technique 2 (D >= 5) or a ratio of at most 1.4; eps by technique 4.
func TestChooseNoiseScales(t *testing.T) {
	// The 256 corners of [-1, 1]^8, four times: RMS std 1, largest
	// distance 2 sqrt(8), nearest distinct neighbours 2 apart, so the
	// spacing floor 2/(10 sqrt 8) = 0.0707 is above 0.03 and wins.
	p := datasets.NewPoints(1024, 8)
	for i := range p.X {
		p.X[i] = float64(2*((i/8)%256>>(i%8)&1) - 1)
	}
	cfg := testConfig(t, "train.sigmas=auto", "sample.eps=auto", "train.loss=anneal_dsm", "model.noise_conditional=true")
	said, err := ChooseSigmas(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Train.Sigmas
	if math.Abs(s.Begin-2*math.Sqrt(8)) > 1e-12 || math.Abs(s.End-2/(10*math.Sqrt(8))) > 1e-12 || s.N < 2 || !s.Auto {
		t.Errorf("chose %+v (%s), want 5.657 down to 0.0707", s, said)
	}
	ratio := math.Pow(s.Begin/s.End, 1/float64(s.N-1))
	if gamma, _ := noisescale.Gamma(8); ratio > gamma || math.Pow(s.Begin/s.End, 1/float64(s.N-2)) <= gamma {
		t.Errorf("%d levels give ratio %v; technique 2 for D = 8 allows %v, and one level fewer must exceed it", s.N, ratio, gamma)
	}
	said, err = ChooseEps(cfg)
	if err != nil || !(cfg.Sample.Eps > 0) || !strings.Contains(said, "technique 4") {
		t.Errorf("eps %v (%s, %v)", cfg.Sample.Eps, said, err)
	}
	plain := testConfig(t, "sample.eps=auto")
	if _, err := ChooseEps(plain); err == nil || !strings.Contains(err.Error(), "needs a ladder of noise levels") {
		t.Errorf("eps auto without a ladder: %v", err)
	}
}

// model.sigma_data: auto is the standard deviation of all the training
// values about their common mean, taken once, and refused for constant data.
func TestChooseSigmaData(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		want   float64 // 0: an error
	}{
		// Mean 2, deviations -2, 0, 0, 2: variance 8/4.
		{"two columns", []float64{0, 2, 2, 4}, math.Sqrt2},
		{"pixels", []float64{0, 0, 0, 1}, math.Sqrt(3.0 / 16)},
		{"constant", []float64{3, 3, 3, 3}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t, "model.sigma_data=auto", "model.noise_conditional=true", "train.loss=anneal_dsm")
			p := datasets.Points{N: 2, D: 2, X: c.values}
			said, err := ChooseSigmaData(cfg, p)
			if c.want == 0 {
				if err == nil || !strings.Contains(err.Error(), "set model.sigma_data by hand") {
					t.Errorf("constant data: %v", err)
				}
				return
			}
			if err != nil || math.Abs(cfg.Model.SigmaData-c.want) > 1e-15 || !strings.Contains(said, "standard deviation") {
				t.Errorf("sigma_data %v (%q, %v), want %v", cfg.Model.SigmaData, said, err, c.want)
			}
			again, _ := ChooseSigmaData(cfg, datasets.Points{N: 1, D: 2, X: []float64{0, 100}})
			if again != "" || math.Abs(cfg.Model.SigmaData-c.want) > 1e-15 {
				t.Errorf("a chosen sigma_data was chosen again: %v (%q)", cfg.Model.SigmaData, again)
			}
		})
	}
}
