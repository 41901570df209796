package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/nn"
)

// Options control how a run reports and whether it continues an earlier one.
type Options struct {
	// Resume continues from the newest valid checkpoint in the run
	// directory; without it, a directory that has checkpoints is refused.
	Resume bool
	// Out receives log lines, or the progress bar when Terminal is set.
	Out      io.Writer
	Terminal bool
}

// Summary describes a finished run.
type Summary struct {
	Dir        string
	From, To   int     // the steps this call trained: (From, To]
	Seconds    float64 // wall time of those steps
	Last       Record  // the final metrics record
	Checkpoint string  // the last checkpoint written
}

// MsPerStep is the mean wall time of a step of this call.
func (s *Summary) MsPerStep() float64 {
	if s.To == s.From {
		return 0
	}
	return 1000 * s.Seconds / float64(s.To-s.From)
}

// ErrInterrupted is returned, wrapped, when ctx is cancelled during
// training, after a checkpoint of the last finished step has been written.
var ErrInterrupted = errors.New("training interrupted")

// Fit trains the model of cfg in cfg.Output.Dir.
func Fit(ctx context.Context, cfg *configs.Config, opts Options) (*Summary, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	dir := cfg.Output.Dir
	ckptDir := CheckpointDir(dir)
	data, err := PrepareData(cfg)
	if err != nil {
		return nil, err
	}
	if data.Train.N < cfg.Train.BatchSize {
		return nil, fmt.Errorf("train: train.batch_size %d is larger than the %d training points", cfg.Train.BatchSize, data.Train.N)
	}
	model, err := nn.New(modelSpec(cfg, data.Train.D), newRNG(cfg.Seed, streamInit))
	if err != nil {
		return nil, err
	}
	opt := cfg.Train.Optimizer
	s := &snapshot{cfg: cfg, model: model, norm: data.Norm, order: newBatchOrder(cfg.Seed, data.Train.N),
		adam: NewAdam(AdamSettings{LR: opt.LR, Beta1: opt.Beta1, Beta2: opt.Beta2, Eps: opt.Eps, WeightDecay: opt.WeightDecay}, model.Params())}
	if err := resumeOrStart(s, ckptDir, opts); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := checkpoints.WriteFileAtomic(filepath.Join(dir, "config.yaml"), cfg.YAML()); err != nil {
		return nil, err
	}
	metrics, err := openMetrics(filepath.Join(dir, "metrics.jsonl"), s.step)
	if err != nil {
		return nil, err
	}
	defer metrics.close()
	t, err := newTrainer(cfg, data, s)
	if err != nil {
		return nil, err
	}
	return t.loop(ctx, metrics, newReporter(opts.Out, opts.Terminal, s.step, cfg.Train.Steps))
}

// resumeOrStart loads the newest valid checkpoint into s when resuming, and
// refuses to start over a run that already has checkpoints.
func resumeOrStart(s *snapshot, ckptDir string, opts Options) error {
	c, path, skipped, err := checkpoints.Newest(ckptDir)
	if errors.Is(err, checkpoints.ErrNoCheckpoint) {
		if opts.Resume {
			fmt.Fprintf(opts.Out, "no checkpoint in %s yet: starting from step 0\n", ckptDir)
		}
		return nil
	}
	if !opts.Resume {
		if err != nil {
			return fmt.Errorf("train: %s holds checkpoints that do not load (%v); move them away to start afresh", ckptDir, err)
		}
		return fmt.Errorf("train: %s already has a checkpoint at step %d: pass -resume to continue it, or set output.dir to start a new run", ckptDir, c.Step)
	}
	for _, e := range skipped {
		fmt.Fprintf(opts.Out, "skipping a broken checkpoint: %v\n", e)
	}
	if err != nil {
		return err
	}
	saved, err := configs.Parse([]byte(c.Meta[metaConfig]), path+" (embedded config)", nil)
	if err != nil {
		return err
	}
	if diffs := configs.ResumeConflicts(saved, s.cfg); len(diffs) > 0 {
		return fmt.Errorf("train: cannot resume %s: the config differs from the run's in %q; only %v may change on resume", path, diffs, configs.SafeToChange)
	}
	if c.Step > s.cfg.Train.Steps {
		return fmt.Errorf("train: checkpoint %s is at step %d, past train.steps %d: raise train.steps to continue", path, c.Step, s.cfg.Train.Steps)
	}
	if c.Meta[metaDim] != strconv.Itoa(s.model.Dim()) {
		return fmt.Errorf("train: %s: the data now has dimension %d, the checkpoint's model was trained on dimension %s: has the data file changed?",
			path, s.model.Dim(), c.Meta[metaDim])
	}
	if err := restore(c, s.model, s.cfg.Model.Dtype, s.adam); err != nil {
		return fmt.Errorf("train: %s: %w", path, err)
	}
	if now, _ := json.Marshal(s.norm); string(now) != c.Meta[metaNorm] {
		return fmt.Errorf("train: %s: the data's standardisation differs from the checkpoint's: has the data file changed?", path)
	}
	s.step = c.Step
	s.elapsed, _ = strconv.ParseFloat(c.Meta[metaElapsed], 64)
	fmt.Fprintf(opts.Out, "resuming from %s (step %d)\n", path, c.Step)
	return nil
}

// trainer holds the compiled graphs and buffers of one training call.
type trainer struct {
	cfg        *configs.Config
	data       *Data
	s          *snapshot
	loss       Loss
	valid      Loss // nil when validation is off
	batchIdx   []int
	batchX     []float64
	checkpoint string
}

func newTrainer(cfg *configs.Config, data *Data, s *snapshot) (*trainer, error) {
	b := cfg.Train.BatchSize
	sigmas := NoiseLevels(cfg)
	loss, err := NewLoss(cfg.Train.Loss, s.model, b, true, sigmas)
	if err != nil {
		return nil, err
	}
	t := &trainer{cfg: cfg, data: data, s: s, loss: loss, batchIdx: make([]int, b), batchX: make([]float64, b*data.Train.D)}
	if cfg.Train.EvalEvery > 0 && data.Valid.N > 0 {
		if t.valid, err = NewLoss(cfg.Train.Loss, s.model, min(data.Valid.N, 1024), false, sigmas); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// validate is the loss over the whole held-out set, with the same noise
// at every evaluation so that values compare across steps.
func (t *trainer) validate() (Terms, error) {
	var sum Terms
	noise := newRNG(t.cfg.Seed, streamValidNoise)
	v, d := t.data.Valid, t.data.Valid.D
	chunk := t.valid.Batch()
	for lo := 0; lo < v.N; lo += chunk {
		hi := min(lo+chunk, v.N)
		part, err := t.valid.Evaluate(v.X[lo*d:hi*d], 1/float64(v.N), noise)
		if err != nil {
			return Terms{}, err
		}
		sum = sum.Add(part)
	}
	return sum, nil
}

func (t *trainer) save() error {
	c, err := t.s.checkpoint()
	if err != nil {
		return err
	}
	t.checkpoint, err = checkpoints.Save(CheckpointDir(t.cfg.Output.Dir), c, t.cfg.Train.KeepCheckpoints)
	return err
}

func (t *trainer) loop(ctx context.Context, metrics *metricsLog, prog *reporter) (*Summary, error) {
	cfg, s := t.cfg.Train, t.s
	from := s.step
	start := time.Now()
	elapsedBefore := s.elapsed
	var window, lastRecord Record
	windowSteps, windowStart := 0, time.Now()
	params := s.model.Params()
	for s.step < cfg.Steps {
		if ctx.Err() != nil {
			prog.finish()
			if err := t.save(); err != nil {
				return nil, fmt.Errorf("train: interrupted at step %d and the checkpoint failed: %w", s.step, err)
			}
			return nil, fmt.Errorf("%w at step %d; checkpoint %s written", ErrInterrupted, s.step, t.checkpoint)
		}
		s.order.batch(s.step, t.batchIdx)
		for i, idx := range t.batchIdx {
			copy(t.batchX[i*t.data.Train.D:], t.data.Train.Row(idx))
		}
		// Each step's noise is its own stream, so a resumed run draws the same.
		noise := rand.New(rand.NewPCG(t.cfg.Seed, streamNoise<<48|uint64(s.step)))
		terms, err := t.loss.Evaluate(t.batchX, 1/float64(cfg.BatchSize), noise)
		if err != nil {
			return nil, err
		}
		grads := t.loss.Grads()
		gnorm := GradNorm(grads)
		if !isFinite(terms.Loss) || !isFinite(gnorm) {
			prog.finish()
			return nil, fmt.Errorf("train: step %d: loss %v, gradient norm %v: training diverged; "+
				"lower train.optimizer.lr, set train.grad_clip, or standardise the data (data.standardize: true); "+
				"the last checkpoint (%s) is untouched", s.step+1, terms.Loss, gnorm, orNone(t.checkpoint))
		}
		if err := s.adam.Step(params, grads, ClipScale(gnorm, cfg.GradClip)); err != nil {
			return nil, err
		}
		s.step++
		s.elapsed = elapsedBefore + time.Since(start).Seconds()
		window.Loss += terms.Loss
		window.Trace += terms.Trace
		window.Norm += terms.Norm
		window.GradNorm += gnorm
		windowSteps++
		prog.step(s.step, terms.Loss)

		last := s.step == cfg.Steps
		evalNow := t.valid != nil && (s.step%cfg.EvalEvery == 0 || last)
		if s.step%cfg.LogEvery == 0 || evalNow || last {
			n := float64(windowSteps)
			r := Record{Step: s.step, Loss: window.Loss / n, Trace: window.Trace / n, Norm: window.Norm / n,
				GradNorm: window.GradNorm / n, Elapsed: s.elapsed}
			if evalNow {
				v, err := t.validate()
				if err != nil {
					return nil, err
				}
				r.Valid = &v
			}
			if err := metrics.write(r); err != nil {
				return nil, err
			}
			prog.record(r, n/time.Since(windowStart).Seconds())
			lastRecord, window, windowSteps, windowStart = r, Record{}, 0, time.Now()
		}
		if (cfg.CheckpointEvery > 0 && s.step%cfg.CheckpointEvery == 0) || last {
			if err := t.save(); err != nil {
				return nil, err
			}
		}
	}
	prog.finish()
	sum := &Summary{Dir: t.cfg.Output.Dir, From: from, To: s.step, Seconds: time.Since(start).Seconds(), Last: lastRecord, Checkpoint: t.checkpoint}
	return sum, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func orNone(s string) string {
	if s == "" {
		return "none yet"
	}
	return s
}
