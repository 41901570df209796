package rundir

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/safefile"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// Metadata keys of a scorenet checkpoint, beside those the checkpoints
// package reserves.
const (
	metaConfig     = "config"          // the resolved YAML config
	metaModel      = "model_type"      // nn kind
	metaDtype      = "dtype"           // float64 | float32
	metaDim        = "dim"             // D
	metaNorm       = "normalization"   // JSON {"mean": [...], "std": [...]}
	metaData       = "data"            // JSON Digest of the training data
	metaMaxAbs     = "data_max_abs"    // the training data's largest |x_j|, model units
	metaMoments    = "data_moments"    // JSON DataMoments of the training data, model units
	metaBest       = "best"            // JSON Best: the lowest held-out loss so far, for best.safetensors and patience
	metaNear       = "near"            // JSON Near: how near a refit's first training's samples came to the training rows
	metaStopped    = "stopped"         // why the run stopped early at this checkpoint's step (train.patience), if it did
	metaImage      = "image"           // HxWxC of image data, so that samples come back as images
	metaDiscrete   = "discrete"        // JSON {column: [values]}: a table's discrete columns, which samples are put back onto
	metaEnds       = "ends"            // JSON datasets.Ends: point masses at a table's column ends, which samples beyond are put on
	metaWhole      = "whole"           // JSON [columns]: a table's continuous columns of whole numbers, which samples are rounded to
	metaPlaces     = "places"          // JSON {column: places}: a table's columns written to a few decimal places, which samples are rounded to
	metaHeaps      = "heaps"           // JSON {column: share}: a table's columns a share of whose values are whole numbers, which that share of samples is rounded to
	metaRNG        = "rng"             // how batches are drawn, and how many were
	metaElapsed    = "elapsed_seconds" // training time up to this step
	metaAdamSteps  = "adam_steps"
	prefixParam    = "param/"
	prefixAdamM    = "adam.m/"
	prefixAdamV    = "adam.v/"
	prefixEMA      = "ema/" // the exponential moving average of the parameters, when train.ema > 0
	checkpointsDir = "checkpoints"
	configFile     = "config.yaml" // the config the run was started with
	bestFile       = "best.safetensors"
)

// BestPath is the run's checkpoint with the lowest held-out loss, kept
// whatever train.keep_checkpoints says.
func BestPath(runDir string) string { return filepath.Join(CheckpointDir(runDir), bestFile) }

// Best is the lowest held-out loss of a run so far, the step it was
// reached at, and the evaluations since then.
type Best struct {
	Loss  float64 `json:"loss"`
	Step  int     `json:"step"`
	Since int     `json:"evaluations_since"`
}

// Near follows, in a refitted run's first training (train.refit), how near
// its samples come to the training rows against the held-out rows: the
// median distance from a sample to its nearest training row over that of
// a held-out row, measured at each held-out evaluation.
type Near struct {
	// Reached is the first evaluated step whose samples came as near as
	// new rows do (ratio at most 1, within its standard error); 0 while
	// none has.
	Reached    int     `json:"reached,omitempty"`
	Lowest     float64 `json:"lowest"`            // the lowest ratio so far
	LowestStep int     `json:"lowest_step"`       // and its step
	Since      int     `json:"evaluations_since"` // evaluations since the lowest
}

// CheckpointDir is where a run directory keeps its checkpoints.
func CheckpointDir(runDir string) string { return filepath.Join(runDir, checkpointsDir) }

// Moments are the optimiser's state a checkpoint keeps: Adam's update
// count and its first and second moments, in Params order.
type Moments struct {
	Steps int
	M, V  []*tensor.Dense
}

// Snapshot is the state of a run that a checkpoint holds.
type Snapshot struct {
	Step        int
	Config      *configs.Config
	Model       nn.Model
	Moments     *Moments
	Norm        datasets.Normalizer
	Order       string // how batches are drawn
	Elapsed     float64
	EMA         []*tensor.Dense // the parameters' moving average, in Params order; nil when train.ema is 0
	Data        Digest          // what the run trains on
	MaxAbs      float64         // the training data's largest |x_j|, in model units
	DataMoments DataMoments     // the training data's moments, in model units
	Best        *Best           // the lowest held-out loss so far; nil before the first
	Near        *Near           // a refit's first training's samples' nearness; nil elsewhere
	// Stopped says why the run stopped early at this step, or "": a run
	// resumed from it trains no further, as one never stopped.
	Stopped string
	Image   datasets.Image // the shape of image data; zero otherwise
	// Discrete are a table's discrete columns (0-based) and their values
	// in data units; nil for none.
	Discrete map[int][]float64
	// Ends are the point masses at a table's column ends, in data units.
	Ends datasets.Ends
	// Whole are a table's continuous columns of whole numbers (0-based),
	// which samples are rounded to.
	Whole datasets.Whole
	// Places are a table's continuous columns written to a few decimal
	// places (0-based), which samples are rounded to.
	Places datasets.Places
	// Heaps are a table's continuous columns a share of whose values are
	// whole numbers (0-based), with that share of samples rounded.
	Heaps datasets.Heaps
}

// Checkpoint encodes s, copying every tensor, so that training can go on
// while the checkpoint is written.
func (s *Snapshot) Checkpoint() (*checkpoints.Checkpoint, error) {
	norm, err := json.Marshal(s.Norm)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(s.Data)
	if err != nil {
		return nil, err
	}
	c := &checkpoints.Checkpoint{Step: s.Step, Meta: map[string]string{
		metaConfig:    string(s.Config.YAML()),
		metaModel:     s.Model.Kind(),
		metaDtype:     s.Config.Model.Dtype,
		metaDim:       strconv.Itoa(s.Model.Dim()),
		metaNorm:      string(norm),
		metaData:      string(data),
		metaMaxAbs:    strconv.FormatFloat(s.MaxAbs, 'g', -1, 64),
		metaRNG:       fmt.Sprintf("%s; %d batches drawn", s.Order, s.Step),
		metaElapsed:   strconv.FormatFloat(s.Elapsed, 'g', -1, 64),
		metaAdamSteps: strconv.Itoa(s.Moments.Steps),
	}}
	if len(s.DataMoments.Mean) > 0 {
		b, err := json.Marshal(s.DataMoments)
		if err != nil {
			return nil, err
		}
		c.Meta[metaMoments] = string(b)
	}
	if len(s.Discrete) > 0 {
		b, err := json.Marshal(s.Discrete)
		if err != nil {
			return nil, err
		}
		c.Meta[metaDiscrete] = string(b)
	}
	if !s.Ends.Empty() {
		b, err := json.Marshal(s.Ends)
		if err != nil {
			return nil, err
		}
		c.Meta[metaEnds] = string(b)
	}
	if len(s.Whole) > 0 {
		b, err := json.Marshal(s.Whole)
		if err != nil {
			return nil, err
		}
		c.Meta[metaWhole] = string(b)
	}
	if len(s.Places) > 0 {
		b, err := json.Marshal(s.Places)
		if err != nil {
			return nil, err
		}
		c.Meta[metaPlaces] = string(b)
	}
	if len(s.Heaps) > 0 {
		b, err := json.Marshal(s.Heaps)
		if err != nil {
			return nil, err
		}
		c.Meta[metaHeaps] = string(b)
	}
	if s.Image.Size() > 0 {
		c.Meta[metaImage] = s.Image.String()
	}
	if s.Best != nil {
		b, err := json.Marshal(s.Best)
		if err != nil {
			return nil, err
		}
		c.Meta[metaBest] = string(b)
	}
	if s.Stopped != "" {
		c.Meta[metaStopped] = s.Stopped
	}
	if s.Near != nil {
		b, err := json.Marshal(s.Near)
		if err != nil {
			return nil, err
		}
		c.Meta[metaNear] = string(b)
	}
	for i, p := range s.Model.Params() {
		tensors := []struct {
			prefix string
			value  *tensor.Dense
		}{{prefixParam, p.Value}, {prefixAdamM, s.Moments.M[i]}, {prefixAdamV, s.Moments.V[i]}}
		if s.EMA != nil {
			tensors = append(tensors, struct {
				prefix string
				value  *tensor.Dense
			}{prefixEMA, s.EMA[i]})
		}
		for _, t := range tensors {
			if k := firstNonFinite(t.value); k >= 0 {
				return nil, fmt.Errorf("rundir: step %d: %s%s holds a non-finite value at %d; a checkpoint is never written with one", s.Step, t.prefix, p.Name, k)
			}
		}
		for _, t := range tensors {
			c.Tensors = append(c.Tensors, checkpoints.Tensor{
				Name: t.prefix + p.Name, Shape: t.value.Shape().Clone(), Data: cloneData(t.value),
			})
		}
	}
	return c, nil
}

// cloneData copies a tensor's values, which checkpoints are then free to keep.
func cloneData(t *tensor.Dense) any {
	switch d := t.Data().(type) {
	case []float64:
		return slices.Clone(d)
	case []float32:
		return slices.Clone(d)
	default:
		panic(fmt.Sprintf("rundir: unsupported tensor data %T", d))
	}
}

// slot is where the tensors of a checkpoint with one name prefix go, in
// Params order.
type slot struct {
	prefix string
	dst    []*tensor.Dense
}

// paramSlot puts the tensors of prefix into the model's parameters.
func paramSlot(prefix string, model nn.Model) slot {
	var dst []*tensor.Dense
	for _, p := range model.Params() {
		dst = append(dst, p.Value)
	}
	return slot{prefix, dst}
}

// restore copies the tensors of c into the slots, in place (the core's
// aliasing contract, internal/mlp), after checking that c was written for
// a model of the same type, dtype and shapes. Nothing is copied unless
// everything matches.
func restore(c *checkpoints.Checkpoint, model nn.Model, dtype string, slots ...slot) error {
	if got := c.Meta[metaModel]; got != model.Kind() {
		return fmt.Errorf("checkpoint holds a %q model, the config asks for %q", got, model.Kind())
	}
	if got := c.Meta[metaDtype]; got != dtype {
		return fmt.Errorf("checkpoint holds %s parameters, the config asks for %s", got, dtype)
	}
	type copyJob struct {
		dst *tensor.Dense
		src checkpoints.Tensor
	}
	var jobs []copyJob
	for _, sl := range slots {
		for i, p := range model.Params() {
			name := sl.prefix + p.Name
			src, ok := c.Tensor(name)
			if !ok {
				return fmt.Errorf("checkpoint has no tensor %s", name)
			}
			dst := sl.dst[i]
			if !slices.Equal(src.Shape, []int(dst.Shape())) {
				return fmt.Errorf("checkpoint tensor %s has shape %v, the config's model needs %v", name, src.Shape, []int(dst.Shape()))
			}
			if fmt.Sprintf("%T", src.Data) != fmt.Sprintf("%T", dst.Data()) {
				return fmt.Errorf("checkpoint tensor %s holds %T, the config's model needs %T", name, src.Data, dst.Data())
			}
			jobs = append(jobs, copyJob{dst, src})
		}
	}
	if n := countParams(c); n != len(model.Params()) {
		return fmt.Errorf("checkpoint has %d parameter tensors, the config's model has %d", n, len(model.Params()))
	}
	for _, j := range jobs {
		switch d := j.dst.Data().(type) {
		case []float64:
			copy(d, j.src.Data.([]float64))
		case []float32:
			copy(d, j.src.Data.([]float32))
		}
	}
	return nil
}

func countParams(c *checkpoints.Checkpoint) int {
	n := 0
	for _, t := range c.Tensors {
		if strings.HasPrefix(t.Name, prefixParam) {
			n++
		}
	}
	return n
}

// SavedConfig is the config embedded in checkpoint c, read from path: a
// run's config, whose keys added since it was written read as the run was
// trained.
func SavedConfig(c *checkpoints.Checkpoint, path string) (*configs.Config, error) {
	return configs.ParseRun([]byte(c.Meta[metaConfig]), path+" (embedded config)", nil)
}

// SameData refuses a checkpoint that recorded other training data than
// s's: a run continues only on the data it started with.
func (s *Snapshot) SameData(c *checkpoints.Checkpoint, path string) error {
	saved, ok := c.Meta[metaData]
	if !ok {
		return nil
	}
	var recorded Digest
	if err := json.Unmarshal([]byte(saved), &recorded); err != nil {
		return fmt.Errorf("rundir: %s: bad %s metadata", path, metaData)
	}
	if why := s.Data.Differs(recorded); why != "" {
		return fmt.Errorf("rundir: %s: the training data has changed since the run started: %s; train a new run (another output.dir) on new data", path, why)
	}
	return nil
}

// Restore loads checkpoint c (read from path) into s: the parameters and
// moments in place, the step and the elapsed time, and the data's axes it
// recorded (none where it recorded none). It refuses a checkpoint
// whose model, dimension or data standardisation differs from s's.
func (s *Snapshot) Restore(c *checkpoints.Checkpoint, path string) error {
	if err := s.SameData(c, path); err != nil {
		return err
	}
	if c.Meta[metaDim] != strconv.Itoa(s.Model.Dim()) {
		if _, recorded := c.Meta[metaData]; recorded { // SameData found the data unchanged
			return fmt.Errorf("rundir: %s: bad %s %q: the training data it records, unchanged, have dimension %d: the checkpoint was edited", path, metaDim, c.Meta[metaDim], s.Model.Dim())
		}
		return fmt.Errorf("rundir: %s: the data now has dimension %d, the checkpoint's model was trained on dimension %s: has the data file changed?",
			path, s.Model.Dim(), c.Meta[metaDim])
	}
	slots := []slot{paramSlot(prefixParam, s.Model), {prefixAdamM, s.Moments.M}, {prefixAdamV, s.Moments.V}}
	if s.EMA != nil {
		slots = append(slots, slot{prefixEMA, s.EMA})
	}
	if err := restore(c, s.Model, s.Config.Model.Dtype, slots...); err != nil {
		return fmt.Errorf("rundir: %s: %w", path, err)
	}
	for _, sl := range slots[1:] { // the parameters were checked as they were written
		for i, t := range sl.dst {
			if k := firstNonFinite(t); k >= 0 || (sl.prefix == prefixAdamV && firstNegative(t) >= 0) {
				if k < 0 {
					k = firstNegative(t)
				}
				return fmt.Errorf("rundir: %s: %s%s holds a non-finite (or, for a second moment, negative) value at index %d: the checkpoint is damaged; resume from an earlier one", path, sl.prefix, s.Model.Params()[i].Name, k)
			}
		}
	}
	// Adam counts one update a step, and a resume never adds one without
	// a step: a larger count would misstate its bias correction.
	steps, err := strconv.Atoi(c.Meta[metaAdamSteps])
	if err != nil || steps < 0 || steps > c.Step {
		return fmt.Errorf("rundir: %s: bad %s %q: want a count from 0 to the checkpoint's step, %d", path, metaAdamSteps, c.Meta[metaAdamSteps], c.Step)
	}
	s.Moments.Steps = steps
	if s.Best, err = bestOf(c, path); err != nil {
		return err
	}
	if s.Near, err = nearOf(c, path); err != nil {
		return err
	}
	s.Stopped = c.Meta[metaStopped]
	// The run goes on with the axes its checkpoint recorded, none for a
	// run from before them: its samples start as its earlier
	// checkpoints' did, whatever gonum's eigendecomposition gives here.
	var recorded DataMoments
	if saved, ok := c.Meta[metaMoments]; ok {
		if err := json.Unmarshal([]byte(saved), &recorded); err != nil || !axesFit(recorded, s.Model.Dim(), s.MaxAbs) {
			return fmt.Errorf("rundir: %s: bad %s metadata: its axes are not the principal directions of data of dimension %d within ±%g", path, metaMoments, s.Model.Dim(), s.MaxAbs)
		}
	}
	s.DataMoments.Axes, s.DataMoments.Rest = recorded.Axes, recorded.Rest
	// The checkpoint's point masses, none for one from before them: its
	// samples are finished as its earlier checkpoints' are.
	if s.Ends, err = endsOf(c, path, s.Model.Dim()); err != nil {
		return err
	}
	if s.Places, err = placesOf(c, path, s.Model.Dim(), s.Discrete); err != nil {
		return err
	}
	if s.Heaps, err = heapsOf(c, path, s.Model.Dim(), s.Discrete); err != nil {
		return err
	}
	if now, _ := json.Marshal(s.Norm); string(now) != c.Meta[metaNorm] {
		return fmt.Errorf("rundir: %s: the data's standardisation differs from the checkpoint's: has the data file changed?", path)
	}
	s.Step = c.Step
	if v, ok := c.Meta[metaElapsed]; ok {
		// It goes on into metrics.jsonl, which cannot hold a non-finite
		// number: refuse it here rather than after the resumed steps.
		if s.Elapsed, err = strconv.ParseFloat(v, 64); err != nil || !(s.Elapsed >= 0 && s.Elapsed <= maxElapsed) {
			return fmt.Errorf("rundir: %s: bad %s %q: want a number of seconds from 0 to %g", path, metaElapsed, v, float64(maxElapsed))
		}
	}
	return nil
}

// firstNonFinite is the index of the first infinite or NaN value of data
// (a []float64 or []float32, or a *tensor.Dense holding one), or -1.
func firstNonFinite(data any) int {
	if t, ok := data.(*tensor.Dense); ok {
		data = t.Data()
	}
	switch d := data.(type) {
	case []float64:
		for k, v := range d {
			if v-v != 0 {
				return k
			}
		}
	case []float32:
		for k, v := range d {
			if v-v != 0 {
				return k
			}
		}
	}
	return -1
}

// knownTensors checks that every tensor of c is one a run writes for model:
// a parameter, its EMA or one of Adam's moments, of the parameter's shape.
func knownTensors(c *checkpoints.Checkpoint, model nn.Model, ema bool) error {
	shapes := map[string][]int{}
	for _, p := range model.Params() {
		for _, prefix := range []string{prefixParam, prefixEMA, prefixAdamM, prefixAdamV} {
			shapes[prefix+p.Name] = p.Value.Shape()
		}
	}
	// Present, too: every checkpoint holds the parameters and Adam's
	// moments, and the EMA where the run keeps one. A reader that needs
	// only the weights would otherwise accept a file a resume refuses.
	have := map[string]bool{}
	for _, t := range c.Tensors {
		have[t.Name] = true
	}
	prefixes := []string{prefixParam, prefixAdamM, prefixAdamV}
	if ema {
		prefixes = append(prefixes, prefixEMA)
	}
	for _, prefix := range prefixes {
		for _, p := range model.Params() {
			if !have[prefix+p.Name] {
				return fmt.Errorf("tensor %s is missing: a run's checkpoint holds it; the file is damaged", prefix+p.Name)
			}
		}
	}
	for _, t := range c.Tensors {
		want, ok := shapes[t.Name]
		switch {
		case !ok:
			return fmt.Errorf("tensor %q is none a run writes for this model", t.Name)
		case !slices.Equal(t.Shape, want):
			return fmt.Errorf("tensor %s has shape %v, the model's %v", t.Name, t.Shape, want)
		case dtypeOf(t.Data) != dtypeOf(model.Params()[0].Value.Data()):
			return fmt.Errorf("tensor %s is %s, the model's dtype is %v", t.Name, dtypeOf(t.Data), model.Dtype())
		}
	}
	return nil
}

// maxElapsed bounds a checkpoint's training time: a thousand years.
const maxElapsed = 1000 * 365.25 * 24 * 3600

// ConfigPath is the config a run in runDir was started with.
func ConfigPath(runDir string) string { return filepath.Join(runDir, configFile) }

// LoadConfig reads and checks the config of the run in runDir, with
// overrides as configs.Load takes them. Unlike a -config, which may be a
// pipe (<(...)), the run's own file must be a regular file: anything else
// is refused at once instead of blocking the command.
func LoadConfig(runDir string, overrides []string) (*configs.Config, error) {
	path := ConfigPath(runDir)
	f, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, configs.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	if len(b) > configs.MaxFileSize {
		return nil, fmt.Errorf("rundir: %s: more than %d bytes: not a config file", path, configs.MaxFileSize)
	}
	return configs.ParseRun(b, path, overrides)
}

// Files are the run directory's own files, which only training writes:
// its config, metrics log and lock, and the checkpoints directory and a
// refitted run's first training (every file in them).
func Files(runDir string) (files []string, dirs []string) {
	return []string{ConfigPath(runDir), filepath.Join(runDir, metricsFile), filepath.Join(runDir, lockFile)}, []string{CheckpointDir(runDir), SelectionDir(runDir)}
}

// SelectionName is the folder, in a refitted run's directory, of its first
// training, whose held-out loss chose the length (train.refit).
const SelectionName = "select"

// SelectionDir is the run directory of a refitted run's first training.
func SelectionDir(runDir string) string { return filepath.Join(runDir, SelectionName) }

// firstNegative is the index of the first negative value of t (a tensor
// or its data), or -1: Adam's second moments are squares.
func firstNegative(t any) int {
	if dense, ok := t.(*tensor.Dense); ok {
		t = dense.Data()
	}
	switch d := t.(type) {
	case []float64:
		for k, v := range d {
			if v < 0 {
				return k
			}
		}
	case []float32:
		for k, v := range d {
			if v < 0 {
				return k
			}
		}
	}
	return -1
}

// dtypeOf names the element type of a tensor's data as safetensors does.
func dtypeOf(data any) string {
	switch data.(type) {
	case []float64:
		return "F64"
	case []float32:
		return "F32"
	}
	return fmt.Sprintf("%T", data)
}
