package rundir

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/nn"
	"scorenet/points"

	"gorgonia.org/tensor"
)

// checkpointOf encodes a freshly initialised model of cfg as a checkpoint
// at step 10.
func checkpointOf(t *testing.T, cfg *configs.Config, dim int) (*checkpoints.Checkpoint, nn.Model) {
	t.Helper()
	m, err := nn.New(cfg.ModelSpec(dim), rand.New(rand.NewPCG(1, 1)))
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
	before := slices.Clone(checkpoints.Float64s(other.Params()[0].Value))
	err = restore(c, other, "float64", paramSlot(prefixParam, other))
	if err == nil || !strings.Contains(err.Error(), "layer1.weight has shape [16 16], the config's model needs [16 8]") {
		t.Errorf("got %v, want a shape mismatch naming layer1.weight", err)
	}
	if !slices.Equal(before, checkpoints.Float64s(other.Params()[0].Value)) {
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
// opens after the file has gone (workflow's Run.Data asks for the file).
func TestOpenNeedsNoDataUntilAsked(t *testing.T) {
	cfg := testConfig(t, "data.dataset=file", "data.path=/nonexistent/points.csv", "model.residual=true", "train.ema=0", "model.sigma_data=0.5") // what auto would have chosen: train writes it before any checkpoint
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
	if !slices.Equal(checkpoints.Float64s(run.Model.Params()[2].Value), checkpoints.Float64s(m.Params()[2].Value)) {
		t.Error("the opened model's parameters differ from the checkpoint's")
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

// Each class's moments are MomentsOf its rows, to the last bit: readers
// compare them with the checkpoint's record.
func TestMomentsByClassAreEachClassMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	p := points.New(101, 3)
	labels := make([]int32, p.N)
	for i := range p.X {
		p.X[i] = rng.NormFloat64()*3 + 1
	}
	for i := range labels {
		labels[i] = int32(rng.IntN(4))
	}
	got := MomentsByClass(p, labels, 4)
	for y := range int32(4) {
		mine := points.Points{D: p.D}
		for i, l := range labels {
			if l == y {
				mine.X = append(mine.X, p.Row(i)...)
				mine.N++
			}
		}
		if want := MomentsOf(mine); !got[y].Equal(want) {
			t.Errorf("class %d: %+v, want %+v", y, got[y], want)
		}
	}
}
