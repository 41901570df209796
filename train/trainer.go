package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/memlimit"
	"scorenet/internal/safefile"
	"scorenet/internal/seeds"
	"scorenet/losses"
	"scorenet/nn"
	"scorenet/rundir"
	"scorenet/workflow"

	"gorgonia.org/tensor"
)

// Options control how a run reports and whether it continues an earlier one.
type Options struct {
	// Resume continues from the newest valid checkpoint in the run
	// directory; without it, a directory that has checkpoints is refused.
	Resume bool
	// Out receives log lines, or the progress bar when Terminal is set.
	Out      io.Writer
	Terminal bool
	// Hooks follow the loop after the run's own hooks (metrics, progress,
	// EMA, figures, checkpoints, best), in this order.
	Hooks []Hook
	// started is called once the run has passed its checks and written
	// its config.yaml (a refit's first training: the run's own then).
	started func() error
	// dirLocked says the caller holds the run directory's lock (a refit's
	// second training, whose first holds it throughout).
	dirLocked bool
	// nearness makes the run follow its samples' nearness (nearHook): a
	// refit's first training, and a table's run of train.nearness.
	nearness bool
	// afterData is said after the data's lines: the refit's plan, which
	// follows from how many rows were held out.
	afterData string
	// lrBeyondBounds, when set, is Adam's learning rate in place of the
	// config's, which is bounded: the package's tests reach the guards
	// against non-finite updates with it.
	lrBeyondBounds float64
}

// Summary describes a finished run.
type Summary struct {
	Dir        string
	From, To   int           // the steps this call trained: (From, To]
	Seconds    float64       // wall time of those steps
	Last       rundir.Record // the final metrics record
	Checkpoint string        // the last checkpoint written
	Stopped    string        // why the run stopped before train.steps (train.patience), or ""
	Capped     string        // why train.steps: auto's cap ended a run still improving, or ""
	Best       *rundir.Best  // the lowest held-out loss, or nil without held-out rows
	Near       *rundir.Near  // a refit's first training's samples' nearness, or nil
	// Refitted says how a refit's first training chose its length, beside
	// Selection.
	Refitted *configs.Refitted
	// Selection is the first of a refitted run's two trainings, the one
	// whose held-out loss chose the length (train.refit), or nil.
	Selection *Summary
}

// MsPerStep is the mean wall time of a step of this call.
func (s *Summary) MsPerStep() float64 {
	if s.To == s.From {
		return 0
	}
	return 1000 * s.Seconds / float64(s.To-s.From)
}

// KeepRunDefaults makes a config resuming the run in its output.dir take,
// where it leaves them to a default that changed since, what that run was
// trained with: a config leaving model.dtype to auto the run's dtype (a
// run from before auto goes on in float64), and an image run's config
// without a learning rate the run's (from before the image default), a
// table run's config without data.quantile, data.discrete_values,
// data.missing, train.nearness or train.loss the run's. It returns what it
// kept, to say. An image run trained as another network than the one
// images get by default now it refuses: its whole recipe changed with the
// network, so keeping the type alone would not make the run's config.
func KeepRunDefaults(cfg *configs.Config) ([]string, error) {
	saved, err := rundir.LoadConfig(cfg.Output.Dir, nil)
	if err != nil {
		return nil, nil
	}
	if cfg.Model.TypeDefaulted && saved.Model.Type != cfg.Model.Type {
		return nil, fmt.Errorf("train: the run in %s was trained as model.type %s; images now default to the %s: give model.type: %s and the run's other keys in the config, or resume with train -run %s", cfg.Output.Dir, saved.Model.Type, cfg.Model.Type, saved.Model.Type, cfg.Output.Dir)
	}
	var kept []string
	if cfg.Model.DtypeAuto && saved.Model.Dtype != cfg.Model.Dtype {
		cfg.Model.Dtype, cfg.Model.DtypeAuto = saved.Model.Dtype, saved.Model.DtypeAuto
		kept = append(kept, "model.dtype "+cfg.Model.Dtype+", as the run was trained (auto would choose another now)")
	}
	if o := &cfg.Train.Optimizer; o.LRDefaulted && saved.Train.Optimizer.LR != o.LR {
		o.LR = saved.Train.Optimizer.LR
		kept = append(kept, fmt.Sprintf("train.optimizer.lr %g, as the run was trained (the image default is another now)", o.LR))
	}
	if cfg.Data.QuantileDefaulted && saved.Data.Quantile != cfg.Data.Quantile {
		cfg.Data.Quantile = saved.Data.Quantile
		kept = append(kept, fmt.Sprintf("data.quantile %s, as the run was trained (the default is auto now)", cfg.Data.Quantile))
	}
	if cfg.Data.DiscreteValuesDefaulted && saved.Data.DiscreteValues != cfg.Data.DiscreteValues {
		cfg.Data.DiscreteValues = saved.Data.DiscreteValues
		kept = append(kept, fmt.Sprintf("data.discrete_values %d, as the run was trained (the default is %d now)", cfg.Data.DiscreteValues, configs.DefaultDiscreteValues))
	}
	if cfg.Data.ValleyLevelsDefaulted && saved.Data.Dataset == "file" && saved.Data.ValleyLevels != cfg.Data.ValleyLevels {
		cfg.Data.ValleyLevels = saved.Data.ValleyLevels
		kept = append(kept, fmt.Sprintf("data.valley_levels %d, as the run was trained (the default is %d now)", cfg.Data.ValleyLevels, configs.DefaultValleyLevels))
	}
	if cfg.Data.QuantileValleysDefaulted && saved.Data.Dataset == "file" && saved.Data.Valleys() != cfg.Data.Valleys() {
		cfg.Data.QuantileValleys = saved.Data.QuantileValleys
		kept = append(kept, fmt.Sprintf("data.quantile_valleys %v, as the run was trained (the default is true now)", cfg.Data.Valleys()))
	}
	if cfg.Data.QuantileMassesDefaulted && saved.Data.Dataset == "file" && saved.Data.Masses() != cfg.Data.Masses() {
		cfg.Data.QuantileMasses = saved.Data.QuantileMasses
		kept = append(kept, fmt.Sprintf("data.quantile_masses %v, as the run was trained (the default is true now)", cfg.Data.Masses()))
	}
	if cfg.Data.DiscreteSpreadDefaulted && saved.Data.Dataset == "file" && saved.Data.DiscreteSpread != cfg.Data.DiscreteSpread {
		cfg.Data.DiscreteSpread = saved.Data.DiscreteSpread
		kept = append(kept, fmt.Sprintf("data.discrete_spread %g, as the run was trained (the default is %g now)", cfg.Data.DiscreteSpread, configs.DefaultDiscreteSpread))
	}
	if cfg.Data.DiscreteGapDefaulted && saved.Data.Dataset == "file" && saved.Data.DiscreteGap != cfg.Data.DiscreteGap {
		cfg.Data.DiscreteGap = saved.Data.DiscreteGap
		kept = append(kept, fmt.Sprintf("data.discrete_gap %g, as the run was trained (the default is %g now)", cfg.Data.DiscreteGap, configs.DefaultDiscreteGap))
	}
	if cfg.Data.MissingDefaulted && saved.Data.Missing != cfg.Data.Missing {
		cfg.Data.Missing = saved.Data.Missing
		kept = append(kept, fmt.Sprintf("data.missing %s, as the run was trained (the default is drop now)", cfg.Data.Missing))
	}
	if cfg.Train.LossDefaulted && saved.Train.Loss != cfg.Train.Loss {
		kept = append(kept, fmt.Sprintf("train.loss %s, as the run was trained (a table's default is %s now)", saved.Train.Loss, cfg.Train.Loss))
		cfg.Train.Loss = saved.Train.Loss
	}
	if cfg.Train.NearnessDefaulted && saved.Train.Nearness != cfg.Train.Nearness {
		cfg.Train.Nearness = saved.Train.Nearness
		kept = append(kept, fmt.Sprintf("train.nearness %v, as the run was trained (the default is true now)", cfg.Train.Nearness))
	}
	return kept, nil
}

// ErrInterrupted is returned, wrapped, when ctx is cancelled during
// training, after a checkpoint of the last finished step has been written.
var ErrInterrupted = errors.New("training interrupted")

// Fit trains the model of cfg in cfg.Output.Dir.
func Fit(ctx context.Context, cfg *configs.Config, opts Options) (*Summary, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if rundir.IsSelection(cfg.Output.Dir) {
		parent := filepath.Dir(filepath.Clean(cfg.Output.Dir))
		return nil, fmt.Errorf("train: output.dir %s is the first training of the refitted run %s (train.refit): continue that run with train -run %s", cfg.Output.Dir, parent, parent)
	}
	if opts.Resume {
		if _, err := KeepRunDefaults(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Data.Dataset == "file" {
		// A config made in code, not parsed, leaves these 0: the run's
		// config.yaml records what it trains with, or a resume reads the
		// keys as a run from before them.
		if cfg.Data.DiscreteValues == 0 {
			cfg.Data.DiscreteValues = configs.DefaultDiscreteValues
		}
		if cfg.Data.DiscreteSpread == 0 {
			cfg.Data.DiscreteSpread = configs.DefaultDiscreteSpread
		}
		if cfg.Data.DiscreteGap == 0 {
			cfg.Data.DiscreteGap = configs.DefaultDiscreteGap
		}
	}
	if opts.Resume {
		if err := selectionCategories(cfg); err != nil {
			return nil, err
		}
	}
	data, err := workflow.Prepare(cfg)
	// Reading a large file takes a while: a signal during it stops here,
	// and is what is reported, whatever the reading then ran into.
	if ctx.Err() != nil {
		return nil, fmt.Errorf("train: %w before the first step, while the data were read", ErrInterrupted)
	}
	if err != nil {
		return nil, err
	}
	// A run from before train.refit, resumed, goes on as it started.
	if workflow.Refits(cfg, data) && !(opts.Resume && hasCheckpoint(cfg.Output.Dir)) {
		return fitThenRefit(ctx, cfg, data, opts)
	}
	opts.nearness = cfg.Train.Nearness && cfg.Train.Patience > 0 // it holds back patience's stop
	return fitPrepared(ctx, cfg, data, opts)
}

// fitPrepared trains the model of cfg on data, read by workflow.Prepare.
func fitPrepared(ctx context.Context, cfg *configs.Config, data *workflow.Data, opts Options) (*Summary, error) {
	dir := cfg.Output.Dir
	ckptDir := rundir.CheckpointDir(dir)
	fmt.Fprintf(opts.Out, "data: %s; %d for training, %d held out\n", data.Source, data.Train.N, data.Valid.N)
	for _, w := range data.Warnings {
		fmt.Fprintf(opts.Out, "warning: %s\n", w)
	}
	if cfg.Data.HoldoutAuto && cfg.Data.Holdout != data.Holdout { // a resumed run's config.yaml holds the choice
		cfg.Data.Holdout = data.Holdout
		fmt.Fprintln(opts.Out, workflow.HoldoutSaid(data))
	}
	if opts.afterData != "" {
		fmt.Fprintln(opts.Out, opts.afterData)
	}
	if err := unetShape(cfg, data.Image, opts.Out); err != nil {
		return nil, err
	}
	// A run starting (a refit's second training too) counts its classes'
	// rows, whatever a config copied from another run says; a resumed one
	// keeps its count, or none, as it was trained.
	if fresh := !(opts.Resume && hasCheckpoint(cfg.Output.Dir)); data.Classes > 0 && (cfg.Model.Classes == 0 || fresh) {
		counts := datasets.Labels{Of: data.TrainLabels, K: data.Classes}.Counts()
		if cfg.Model.Classes == 0 {
			cfg.Model.Classes, cfg.Model.ClassNames = data.Classes, data.ClassNames
		}
		cfg.Model.ClassCounts = counts
		fmt.Fprintf(opts.Out, "model.classes: %d, from the labels (the classes' points: %v)\n", data.Classes, counts)
	}
	if len(data.Columns) > 0 { // for sample's header
		cfg.Data.Columns = data.Columns
	}
	if len(data.Categories) > 0 {
		// Their levels and places, for the commands that write samples
		// as names and read rows of names; a resumed run reads its file
		// by the same levels.
		cfg.Data.Categories = workflow.CategoriesRead(data.Categories)
	}
	auto, err := workflow.ChooseAuto(cfg, data.Train)
	if err != nil {
		return nil, err
	}
	auto.Apply(cfg)
	for _, s := range auto.Said {
		fmt.Fprintln(opts.Out, s)
	}
	// An eps set by hand meets the ladder chosen from the data only now,
	// and an eps chosen from the ladder is known only now; both against
	// the data's own spread (unstandardised data may be far from 1).
	spread := math.Sqrt(data.Moments.Var)
	if reach, bound := configs.EpsReach(cfg), configs.ReachBound(spread); reach < bound {
		levels := cfg.NoiseLevels()
		if cfg.Sample.EpsAuto {
			return nil, fmt.Errorf("train: sample.eps auto: %.4g, chosen from the smallest of the noise levels (train.sigmas: %d from %.4g to %.4g), moves a chain by about %.2g over all its steps, less than %.2g (a thousandth of the data's spread %.4g, at most 1e-3): it would sample nothing; the levels are far below the data's scale: use train.sigmas: auto, or levels that reach it",
				cfg.Sample.Eps, len(levels), levels[0], levels[len(levels)-1], reach, bound, spread)
		}
		return nil, fmt.Errorf("train: %s: sample.eps: %v moves a chain by about %.2g over all its steps on the ladder chosen from the data (%d levels from %.4g to %.4g; the noise's sqrt(eps x steps) in model units), less than %.2g (a thousandth of the data's spread %.4g, at most 1e-3): it would sample nothing; raise sample.eps or use eps: auto",
			cfg.Sample.EpsFrom, cfg.Sample.Eps, reach, len(levels), levels[0], levels[len(levels)-1], bound, spread)
	}
	// What auto chose from the data must keep the bounds a value set by
	// hand keeps, or the run's own config.yaml could not be read back.
	if _, err := configs.Parse(cfg.YAML(), "the values chosen from the data", nil); err != nil {
		return nil, fmt.Errorf("train: %w: the data's scale puts them beyond scorenet's bounds; standardise the data (data.standardize: true) or rescale it", err)
	}
	if data.Train.N < cfg.Train.BatchSize {
		return nil, fmt.Errorf("train: train.batch_size %d is larger than the %d training points", cfg.Train.BatchSize, data.Train.N)
	}
	spec := cfg.ModelSpec(data.Train.D)
	if err := spec.CheckSize(); err != nil {
		return nil, err
	}
	// The parameters, their gradients, Adam's two moments and the EMA
	// (5), and at a checkpoint their copy (4), its bytes (4) and the file's
	// buffer (4), with one spare, checked before any of them is allocated;
	// in float64's size, an upper bound. Ten copies let a 12.9M-parameter
	// network pass the check under a 1.4 GB limit and die encoding its
	// checkpoint.
	values := float64(spec.Params())
	if err := memlimit.Check(18*8*values, fmt.Sprintf("train: the network's %.0f parameters with their gradients, Adam's moments, the EMA and a checkpoint's copy and encoding", values)); err != nil {
		return nil, err
	}
	model, err := nn.New(spec, seeds.New(cfg.Seed, seeds.Init))
	if err != nil {
		return nil, err
	}
	opt := cfg.Train.Optimizer
	if opts.lrBeyondBounds != 0 {
		opt.LR = opts.lrBeyondBounds
	}
	adam := NewAdam(AdamSettings{LR: opt.LR, Beta1: opt.Beta1, Beta2: opt.Beta2, Eps: opt.Eps, WeightDecay: opt.WeightDecay}, model.Params())
	order := newBatchOrder(cfg.Seed, data.Train.N)
	s := &rundir.Snapshot{Config: cfg, Model: model, Norm: data.Norm, Order: order.String(), Moments: &adam.Moments, Data: data.Digest, MaxAbs: data.MaxAbs, DataMoments: data.Moments, Image: data.Image, Discrete: data.Discrete, Ends: data.Ends, Whole: data.Whole, Places: data.Places, Heaps: data.Heaps}
	if cfg.Train.EMA > 0 {
		s.EMA = newEMA(model.Params()) // a resumed run then loads the checkpoint's
	}
	// Held for the whole run: a second trainer on the same directory would
	// overwrite this one's checkpoints and interleave its metrics.
	if !opts.dirLocked {
		lock, err := rundir.LockDir(dir)
		if err != nil {
			return nil, err
		}
		defer lock.Unlock()
	}
	// Where the checkpoints go must exist before the first step, not at
	// the first checkpoint (a dangling link there failed after 500 steps).
	if err := os.MkdirAll(ckptDir, 0o755); err != nil {
		return nil, fmt.Errorf("train: the checkpoints' folder %s cannot be made: %v", ckptDir, err)
	}
	resumedFrom, err := resumeOrStart(s, ckptDir, opts)
	if err != nil {
		return nil, err
	}
	if resumedFrom == "" {
		// The solvers' start along the data's principal directions; a
		// resumed run has its checkpoint's (none for a run from before
		// them), which Restore took.
		s.DataMoments.FitAxes(data.Train)
	}
	if cfg.Train.LRDecay > 0 {
		fmt.Fprintln(opts.Out, lrDecaySaid(cfg.Train, adam.LR))
	}
	if err := safefile.Write(rundir.ConfigPath(dir), cfg.YAML()); err != nil {
		return nil, err
	}
	if opts.started != nil {
		if err := opts.started(); err != nil {
			return nil, err
		}
	}
	metrics, err := rundir.OpenMetrics(dir, s.Step, opts.Out)
	if err != nil {
		return nil, err
	}
	defer metrics.Close()
	t, err := newTrainer(cfg, data, s, adam, order)
	if err != nil {
		return nil, err
	}
	t.out = opts.Out
	t.checkpoint, t.resumedFrom, t.resumedAt = resumedFrom, resumedFrom, s.Step
	m := &metricsHook{t: t, log: metrics, windowStart: time.Now()}
	var hooks []Hook
	if s.EMA != nil { // before the held-out loss, which measures it, and the checkpoints, which hold it
		t.ema = &emaHook{decay: cfg.Train.EMA, params: model.Params(), ema: s.EMA}
		hooks = append(hooks, t.ema)
	}
	hooks = append(hooks, m, newDivergenceHook(t), &progressHook{newReporter(opts.Out, opts.Terminal, s.Step, cfg.Train.Steps)})
	figures, err := newSampleHook(t)
	if err != nil {
		return nil, err
	}
	if figures != nil {
		hooks = append(hooks, figures)
	}
	// The best checkpoint before the step's: a checkpoint then holds the
	// best of every evaluation up to its step, its own included, and a run
	// resumed from it keeps the same best as one never stopped.
	if t.valid != nil {
		hooks = append(hooks, &bestHook{t: t, patience: cfg.Train.Patience})
		if opts.nearness {
			if t.near, err = newNearHook(t); err != nil {
				return nil, err
			}
			if t.near != nil {
				hooks = append(hooks, t.near)
			}
		}
	}
	ckpt := &checkpointHook{t: t}
	t.settle = ckpt.settle
	hooks = append(hooks, ckpt)
	return t.loop(ctx, m, append(hooks, opts.Hooks...)...)
}

// resumeOrStart loads the newest valid checkpoint into s when resuming, and
// refuses to start over a run that already has checkpoints.
func resumeOrStart(s *rundir.Snapshot, ckptDir string, opts Options) (string, error) {
	c, path, skipped, err := checkpoints.Newest(ckptDir)
	if errors.Is(err, checkpoints.ErrNoCheckpoint) {
		if opts.Resume {
			fmt.Fprintf(opts.Out, "no checkpoint in %s yet: starting from step 0\n", ckptDir)
		}
		return "", nil
	}
	if !opts.Resume {
		if err != nil {
			return "", fmt.Errorf("train: %s holds checkpoints that do not load (%v); move them away to start afresh", ckptDir, err)
		}
		return "", fmt.Errorf("train: %s already has a checkpoint at step %d: pass -resume to continue it, or set output.dir to start a new run", ckptDir, c.Step)
	}
	for _, e := range skipped {
		fmt.Fprintf(opts.Out, "skipping a broken checkpoint: %v\n", e)
	}
	if err != nil {
		return "", err
	}
	saved, err := rundir.SavedConfig(c, path)
	if err != nil {
		return "", err
	}
	// Changed data also changes what auto chose from it: say the cause.
	if err := s.SameData(c, path); err != nil {
		return "", fmt.Errorf("train: %w", err)
	}
	if diffs := configs.ResumeConflicts(saved, s.Config); len(diffs) > 0 {
		return "", fmt.Errorf("train: cannot resume %s: the config differs from the run's in %q; only %v may change on resume", path, diffs, configs.SafeToChange)
	}
	if c.Step > s.Config.Train.Steps {
		return "", fmt.Errorf("train: checkpoint %s is at step %d, past train.steps %d: raise train.steps to continue", path, c.Step, s.Config.Train.Steps)
	}
	if err := s.Restore(c, path); err != nil {
		return "", fmt.Errorf("train: %w", err)
	}
	fmt.Fprintf(opts.Out, "resuming from %s (step %d)\n", path, c.Step)
	return path, nil
}

// trainer holds the compiled graphs and buffers of one training call.
type trainer struct {
	cfg      *configs.Config
	data     *workflow.Data
	s        *rundir.Snapshot
	adam     *Adam
	order    *batchOrder
	loss     losses.Loss
	valid    *losses.HeldOut // nil when validation is off
	raw      []*tensor.Dense // the parameters, kept while validate measures the EMA
	batchIdx []int
	batchX   []float64
	// batchLabels are a class-conditional run's batch labels, some
	// dropped to the null label (nil for other runs).
	batchLabels []int32
	labelled    losses.Labelled
	checkpoint  string
	// settle waits for a checkpoint being written, if any, so that
	// checkpoint names it: a failed step's error names the last one.
	settle func()
	// resumedFrom is the checkpoint the run resumed from ("" for a new
	// run), at step resumedAt: a first step that diverges blames it.
	resumedFrom string
	resumedAt   int
	out         io.Writer // log lines beside the progress
	near        *nearHook // a refit's first training's nearness; nil elsewhere
	// drawnAhead is the noise source of step drawnFor, whose noise the
	// loss drew during the update before it (nil: none).
	drawnAhead *rand.Rand
	drawnFor   int
	baseLR     float64  // the rate before train.lr_decay lowers it
	ema        *emaHook // the moving average, which joins each update; nil without one
}

func newTrainer(cfg *configs.Config, data *workflow.Data, s *rundir.Snapshot, adam *Adam, order *batchOrder) (*trainer, error) {
	b := cfg.Train.BatchSize
	sigmas := cfg.NoiseLevels()
	loss, err := losses.New(cfg.Train.Loss, s.Model, losses.Options{Batch: b, Gradients: true, Sigmas: sigmas, Engine: cfg.Train.Engine})
	if err != nil {
		return nil, err
	}
	t := &trainer{cfg: cfg, data: data, s: s, adam: adam, order: order, loss: loss, batchIdx: make([]int, b), batchX: make([]float64, b*data.Train.D), baseLR: adam.LR}
	if cfg.Model.Classes > 0 {
		l, ok := loss.(losses.Labelled)
		if !ok || data.TrainLabels == nil {
			return nil, fmt.Errorf("train: a class-conditional model (model.classes %d) needs labelled data (data.labels or data.label_column) and a denoising loss on the fused engine", cfg.Model.Classes)
		}
		t.labelled, t.batchLabels = l, make([]int32, b)
	}
	if cfg.Train.EvalEvery > 0 && data.Valid.N > 0 {
		if t.valid, err = losses.NewHeldOut(cfg.Train.Loss, s.Model, sigmas, cfg.Train.Engine, data.Valid.N, cfg.Seed); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *trainer) save() error {
	c, err := t.s.Checkpoint()
	if err != nil {
		return err
	}
	t.checkpoint, err = t.write(c)
	return err
}

// write writes an encoded checkpoint; it touches nothing of the trainer's,
// so that it can run beside the next steps.
func (t *trainer) write(c *checkpoints.Checkpoint) (string, error) {
	return checkpoints.Save(rundir.CheckpointDir(t.cfg.Output.Dir), c, t.cfg.Train.KeepCheckpoints)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func orNone(s string) string {
	if s == "" {
		return "none yet"
	}
	return s
}

// validate is the held-out loss of the weights sampling will use: the EMA
// where the run keeps one (swapped into the model for the measurement, so
// that the best checkpoint and patience follow what is sampled, and eval
// reports the same number), the parameters otherwise.
func (t *trainer) validate() (losses.Terms, error) {
	if t.s.EMA == nil {
		return t.valid.EvaluateLabelled(t.data.Valid.X, t.data.Valid.D, t.data.ValidLabels)
	}
	params := t.s.Model.Params()
	if t.raw == nil {
		for _, p := range params {
			t.raw = append(t.raw, p.Value.Clone().(*tensor.Dense))
		}
	}
	for i, p := range params {
		copyTensor(t.raw[i], p.Value)
		copyTensor(p.Value, t.s.EMA[i])
	}
	v, err := t.valid.EvaluateLabelled(t.data.Valid.X, t.data.Valid.D, t.data.ValidLabels)
	for i, p := range params {
		copyTensor(p.Value, t.raw[i])
	}
	return v, err
}

// copyTensor copies src's values into dst, of the same shape and dtype.
func copyTensor(dst, src *tensor.Dense) {
	switch d := dst.Data().(type) {
	case []float64:
		copy(d, src.Data().([]float64))
	case []float32:
		copy(d, src.Data().([]float32))
	}
}

// unetShape sets a unet's model.shape from image data (an IDX file, a PNG
// folder), saying so, or checks the one given against them.
func unetShape(cfg *configs.Config, image datasets.Image, out io.Writer) error {
	if cfg.Model.Type != "unet" || image.Size() == 0 {
		return nil
	}
	from := []int{image.H, image.W, image.C}
	if said := cfg.Model.FitChannels(image.H, image.W); said != "" {
		fmt.Fprintln(out, said)
	}
	if f := 1 << (len(cfg.Model.Channels) - 1); image.H%f != 0 || image.W%f != 0 {
		return fmt.Errorf("train: model.channels: %d levels halve the image %d times, so its height and width must be multiples of %d, and the images are %dx%d: use fewer levels", len(cfg.Model.Channels), len(cfg.Model.Channels)-1, f, image.H, image.W)
	}
	if len(cfg.Model.Shape) == 0 {
		cfg.Model.Shape = from
		fmt.Fprintf(out, "model.shape: %v, the images' height, width and channels\n", from)
		return nil
	}
	if !slices.Equal(cfg.Model.Shape, from) {
		return fmt.Errorf("train: model.shape %v is not the images' %v (height, width, channels); leave it out to take theirs", cfg.Model.Shape, from)
	}
	return nil
}

// selectionCategories gives a resumed refit whose config.yaml names its
// categories without their levels (written before the first training
// recorded them there) the categories its first training read, from
// select/config.yaml: found again, a category of many levels would now be
// learnt in binary digits, and the data would not be the run's.
func selectionCategories(cfg *configs.Config) error {
	if !slices.ContainsFunc(cfg.Data.Categories, func(c configs.Category) bool { return c.Levels == nil }) {
		return nil
	}
	path := rundir.ConfigPath(rundir.SelectionDir(cfg.Output.Dir))
	if _, err := os.Stat(path); err != nil {
		return nil // no first training to follow
	}
	sel, err := rundir.LoadConfig(rundir.SelectionDir(cfg.Output.Dir), nil)
	if err != nil {
		return err
	}
	cfg.Data.Categories = sel.Data.Categories
	return nil
}
