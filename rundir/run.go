package rundir

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/seeds"
	"scorenet/nn"
)

// Run is a trained model loaded from a checkpoint of a run directory,
// ready to score points in data units.
type Run struct {
	Dir        string
	Config     *configs.Config
	Model      nn.Model
	Norm       datasets.Normalizer // maps data units to model units
	Step       int
	Checkpoint string // the file it was loaded from
	Skipped    []error
	MaxAbs     float64           // the training data's largest |x_j| in model units; 0 if the checkpoint predates it
	Weights    string            // WeightsEMA or WeightsRaw: which the model holds
	Image      datasets.Image    // the shape of image data (samples are images); zero otherwise
	DataDigest Digest            // the training data the checkpoint recorded; zero if it predates the record
	Moments    DataMoments       // the training data's moments in model units; zero if the checkpoint predates the record
	Best       *Best             // the lowest held-out loss up to the checkpoint, where training measured one
	Discrete   map[int][]float64 // a table's discrete columns and their values (data units), which samples are put onto
	Ends       datasets.Ends     // point masses at a table's column ends (data units), which samples beyond are put on
	Whole      datasets.Whole    // a table's continuous columns of whole numbers, which samples are rounded to
	Places     datasets.Places   // a table's columns written to a few decimal places, which samples are rounded to
	Heaps      datasets.Heaps    // a table's columns a share of whose values are whole numbers, which that share of samples is rounded to
}

// The weights a reader can load from a checkpoint.
const (
	WeightsEMA = "ema" // the moving average of the parameters (train.ema), where the run kept one
	WeightsRaw = "raw" // the parameters as the optimiser left them
)

// Open loads the model of the run in dir from checkpoint, or from the run's
// newest valid checkpoint when checkpoint is empty (Skipped then lists the
// newer ones that did not load), with the EMA weights where the run kept
// them. It reads nothing but the checkpoint.
func Open(dir, checkpoint string) (*Run, error) { return OpenWeights(dir, checkpoint, "") }

// OpenWeights is Open with the weights chosen: WeightsEMA, WeightsRaw, or ""
// for EMA where the run kept it and raw otherwise.
func OpenWeights(dir, checkpoint, weights string) (*Run, error) {
	var (
		c       *checkpoints.Checkpoint
		skipped []error
		err     error
	)
	if checkpoint == "best" {
		checkpoint = BestPath(dir)
		if _, err := os.Stat(checkpoint); err != nil {
			if _, serr := os.Stat(BestPath(SelectionDir(dir))); serr == nil {
				return nil, fmt.Errorf("rundir: run %s has no best checkpoint: it trained on every row (train.refit), with none held out; its first training's best is %s", dir, BestPath(SelectionDir(dir)))
			}
			return nil, fmt.Errorf("rundir: run %s has no best checkpoint (%s): it is kept when training computes a held-out loss (train.eval_every > 0)", dir, checkpoint)
		}
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("rundir: no run directory %s", dir)
	}
	if checkpoint == "" {
		c, checkpoint, skipped, err = checkpoints.Newest(CheckpointDir(dir))
		if err == checkpoints.ErrNoCheckpoint {
			if IsSelection(SelectionDir(dir)) {
				return nil, fmt.Errorf("rundir: run directory %s has no checkpoint in %s yet: its first training (train.refit) is in %s; the run's own checkpoints come with the second, on every row", dir, CheckpointDir(dir), SelectionDir(dir))
			}
			return nil, fmt.Errorf("rundir: run directory %s has no checkpoint in %s", dir, CheckpointDir(dir))
		}
	} else {
		c, err = checkpoints.Load(checkpoint)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := SavedConfig(c, checkpoint)
	if err != nil {
		return nil, err
	}
	if err := sameRun(dir, checkpoint, cfg); err != nil {
		return nil, err
	}
	dim, err := strconv.Atoi(c.Meta[metaDim])
	if err != nil || dim < 1 {
		return nil, fmt.Errorf("rundir: %s: bad %s %q", checkpoint, metaDim, c.Meta[metaDim])
	}
	if sh := cfg.Model.Shape; cfg.Model.Type == "unet" && len(sh) == 3 && sh[0]*sh[1]*sh[2] != dim {
		return nil, fmt.Errorf("rundir: %s: bad %s %d: the run's model.shape %v holds %d values: the checkpoint was edited", checkpoint, metaDim, dim, sh, sh[0]*sh[1]*sh[2])
	}
	model, err := nn.New(cfg.ModelSpec(dim), seeds.New(cfg.Seed, seeds.Init))
	if err != nil {
		return nil, fmt.Errorf("rundir: %s: %w", checkpoint, err)
	}
	hasEMA := cfg.Train.EMA > 0
	switch {
	case weights == "":
		weights = WeightsRaw
		if hasEMA {
			weights = WeightsEMA
		}
	case weights == WeightsEMA && !hasEMA:
		return nil, fmt.Errorf("rundir: %s has no EMA weights (the run's train.ema is 0): use -weights raw", checkpoint)
	case weights != WeightsEMA && weights != WeightsRaw:
		return nil, fmt.Errorf("rundir: weights %q: want ema or raw", weights)
	}
	prefix := prefixParam
	if weights == WeightsEMA {
		prefix = prefixEMA
	}
	if err := restore(c, model, cfg.Model.Dtype, paramSlot(prefix, model)); err != nil {
		return nil, fmt.Errorf("rundir: %s: %w", checkpoint, err)
	}
	// Every tensor, not only those loaded: the other weights and Adam's
	// moments are what -weights and a resume would read, and a file with
	// a damaged part is damaged.
	if err := knownTensors(c, model, cfg.Train.EMA > 0); err != nil {
		return nil, fmt.Errorf("rundir: %s: %w", checkpoint, err)
	}
	for _, t := range c.Tensors {
		if k := firstNonFinite(t.Data); k >= 0 {
			return nil, fmt.Errorf("rundir: %s: tensor %s holds a non-finite value at index %d: the checkpoint is damaged", checkpoint, t.Name, k)
		}
		// Second moments are squares: a negative one, which a resume
		// refuses, is damage a reader refuses too.
		if strings.HasPrefix(t.Name, prefixAdamV) {
			if k := firstNegative(t.Data); k >= 0 {
				return nil, fmt.Errorf("rundir: %s: tensor %s holds a negative second moment at index %d: the checkpoint is damaged", checkpoint, t.Name, k)
			}
		}
	}
	norm, err := normalizerOf(c, checkpoint, dim)
	if err != nil {
		return nil, err
	}
	// Unstandardised data have the identity: anything else was written by
	// hand, and would move every sample and score.
	if len(norm.Quantiles) > 0 && cfg.Data.Quantile != "auto" {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata: it maps columns through their quantiles, though the run's data.quantile is %q, not auto: the checkpoint was edited", checkpoint, metaNorm, cfg.Data.Quantile)
	}
	if _, differs := (datasets.Normalizer{Mean: norm.Mean, Std: norm.Std}).Differs(datasets.Identity(dim)); differs && !cfg.Data.Standardize {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata: the run's data are not standardised (data.standardize: false), so every mean must be 0 and every standard deviation 1", checkpoint, metaNorm)
	}
	maxAbs := 0.0 // a checkpoint from before the record
	if v, ok := c.Meta[metaMaxAbs]; ok {
		if maxAbs, err = strconv.ParseFloat(v, 64); err != nil || !(maxAbs >= 0 && maxAbs <= maxMean/minStd) {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata %q: want a number from 0 to %g", checkpoint, metaMaxAbs, v, maxMean/minStd)
		}
	}
	best, err := bestOf(c, checkpoint)
	if err != nil {
		return nil, err
	}
	if _, err := nearOf(c, checkpoint); err != nil { // only a resume uses it
		return nil, err
	}
	moments, err := momentsOf(c, checkpoint, dim, cfg.Model.Classes, maxAbs)
	if err != nil {
		return nil, err
	}
	// What only a resume uses is checked on every read too, where present
	// (checkpoints from before they were recorded have neither).
	if v, ok := c.Meta[metaAdamSteps]; ok {
		if steps, err := strconv.Atoi(v); err != nil || steps < 0 || steps > c.Step {
			return nil, fmt.Errorf("rundir: %s: bad %s %q: want a count from 0 to the checkpoint's step, %d", checkpoint, metaAdamSteps, v, c.Step)
		}
	}
	if v, ok := c.Meta[metaElapsed]; ok {
		if e, err := strconv.ParseFloat(v, 64); err != nil || !(e >= 0 && e <= maxElapsed) {
			return nil, fmt.Errorf("rundir: %s: bad %s %q: want a number of seconds from 0 to %g", checkpoint, metaElapsed, v, float64(maxElapsed))
		}
	}
	discrete, err := discreteOf(c, checkpoint, dim)
	if err != nil {
		return nil, err
	}
	ends, err := endsOf(c, checkpoint, dim)
	if err != nil {
		return nil, err
	}
	whole, err := wholeOf(c, checkpoint, dim, discrete)
	if err != nil {
		return nil, err
	}
	places, err := placesOf(c, checkpoint, dim, discrete)
	if err != nil {
		return nil, err
	}
	heaps, err := heapsOf(c, checkpoint, dim, discrete)
	if err != nil {
		return nil, err
	}
	var digest Digest
	if saved, ok := c.Meta[metaData]; ok {
		if err := json.Unmarshal([]byte(saved), &digest); err != nil || digest.N < 0 || (digest.N > 0 && (digest.D != dim || !IsSHA256(digest.SHA256))) {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata %.200q: want {\"n\": points, \"d\": %d, \"sha256\": 64 hex digits}", checkpoint, metaData, saved, dim)
		}
	}
	// Both records came in one release: a checkpoint with the first has
	// the second, and a range of 0 with the data recorded was edited.
	if _, ok := c.Meta[metaMaxAbs]; digest.N > 0 && !ok {
		return nil, fmt.Errorf("rundir: %s: no %s metadata, though it records its training data: the checkpoint was edited", checkpoint, metaMaxAbs)
	}
	var shape datasets.Image
	if d := cfg.Data.Dataset; (d == "idx" || d == "images") && c.Meta[metaImage] == "" {
		return nil, fmt.Errorf("rundir: %s: no %s metadata, though the run's data (dataset %s) are images: the checkpoint was edited", checkpoint, metaImage, d)
	}
	if v, ok := c.Meta[metaImage]; ok {
		m := imageRecord.FindStringSubmatch(v)
		if m != nil {
			shape.H, _ = strconv.Atoi(m[1])
			shape.W, _ = strconv.Atoi(m[2])
			shape.C, _ = strconv.Atoi(m[3])
		}
		if m == nil || shape.H < 1 || shape.W < 1 || shape.H > dim || shape.W > dim || (shape.C != 1 && shape.C != 3) || shape.Size() != dim {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata %q for dimension %d: want HxWxC, H and W at least 1, C 1 (grayscale) or 3 (RGB), H W C = %d", checkpoint, metaImage, v, dim, dim)
		}
		if sh := cfg.Model.Shape; len(sh) == 3 && (sh[0] != shape.H || sh[1] != shape.W || sh[2] != shape.C) {
			return nil, fmt.Errorf("rundir: %s: the %s metadata %q is not the run's model.shape %v: the checkpoint was edited", checkpoint, metaImage, v, sh)
		}
		// Only image data (an IDX file, a PNG folder) records a shape:
		// on other data it would turn a sample file into a folder of PNGs.
		if d := cfg.Data.Dataset; d != "idx" && d != "images" {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata %q: the run's data (dataset %s) are not images", checkpoint, metaImage, v, d)
		}
	}
	// train writes the value auto chose before any checkpoint.
	if cfg.Model.SigmaDataAuto && !(cfg.Model.SigmaData > 0) {
		return nil, fmt.Errorf("rundir: %s: model.sigma_data is recorded as chosen from the data but holds %v, which train never chooses: the checkpoint was edited", checkpoint, cfg.Model.SigmaData)
	}
	if err := sigmaDataAgrees(cfg.Model, moments, checkpoint); err != nil {
		return nil, err
	}
	return &Run{Dir: dir, Config: cfg, Model: model, Norm: norm, Step: c.Step, Checkpoint: checkpoint, Skipped: skipped, MaxAbs: maxAbs,
		Weights: weights, Image: shape, DataDigest: digest, Moments: moments, Best: best, Discrete: discrete, Ends: ends, Whole: whole, Places: places, Heaps: heaps}, nil
}

// imageRecord is an image shape as checkpoints record it, HxWxC in plain
// digits (at most 9 each; checked against the dimension before their
// product is taken).
var imageRecord = regexp.MustCompile(`^([0-9]{1,9})x([0-9]{1,9})x([0-9]{1,9})$`)

// sigmaDataAgrees checks model.sigma_data against the spread of all the
// training values that the data record gives (its columns' mean variance
// plus the variance of their means).
func sigmaDataAgrees(m configs.Model, moments DataMoments, checkpoint string) error {
	if !(m.SigmaData > 0) || len(moments.Mean) == 0 {
		return nil
	}
	offset := 0.0
	for _, v := range moments.Mean {
		offset = max(offset, math.Abs(v))
	}
	if err := SigmaDataFits(m, moments.Spread(), offset); err != nil {
		return fmt.Errorf("rundir: %s: %w: the checkpoint was edited", checkpoint, err)
	}
	return nil
}

// SigmaDataFits checks model.sigma_data against spread, the standard
// deviation of all the training values about their mean, offset from 0 by
// about offset: chosen from the data (auto), it is that spread up to
// rounding; set by hand, train kept it within 100 times of it either way.
// A value outside says the run's config was edited: scores from it are
// garbage. Rounding is that of a variance of values offset from 0 by
// offset, about 1e-16 (offset/spread)^2 relative; where it swamps the
// spread, only the 100 times are checked.
func SigmaDataFits(m configs.Model, spread, offset float64) error {
	if !(m.SigmaData > 0) || !(spread > 0) {
		return nil
	}
	ratio := m.SigmaData / spread
	tol := 1e-6 + 4e-16*(offset/spread)*(offset/spread)
	switch {
	case m.SigmaDataAuto && tol < 0.01 && math.Abs(ratio-1) > tol:
		return fmt.Errorf("model.sigma_data %v, recorded as chosen from the data, and the training values' spread, %.6g, disagree", m.SigmaData, spread)
	case ratio > 100 || ratio < 0.01:
		return fmt.Errorf("model.sigma_data %v and the training values' spread, %.4g, disagree (%.3g times, beyond the 100 times train allows)", m.SigmaData, spread, ratio)
	}
	return nil
}

// momentsOf reads and checks a checkpoint's record of its training data's
// moments: a mean within the data's range (maxAbs, where recorded) and a
// variance at most its square. Zero where it has none.
func momentsOf(c *checkpoints.Checkpoint, path string, dim, classes int, maxAbs float64) (DataMoments, error) {
	var m DataMoments
	saved, ok := c.Meta[metaMoments]
	if !ok {
		if classes > 0 { // every class-conditional run records them
			return m, fmt.Errorf("rundir: %s: no %s metadata, which every class-conditional run's checkpoints have: the checkpoint was edited", path, metaMoments)
		}
		return m, nil
	}
	reach := maxAbs
	if reach == 0 {
		reach = maxMean / minStd
	}
	bad := func() (DataMoments, error) {
		return DataMoments{}, fmt.Errorf("rundir: %s: bad %s metadata %.200q: want {\"mean\": %d numbers within the data's largest |x| %g, \"var\": a number above 0 and at most its square, \"by_class\": one such record a class of model.classes; \"axes\": none, or up to %d orthonormal directions of %d numbers, largest variance first, with \"rest\" summing to the trace}",
			path, metaMoments, saved, dim, reach, min(dim, MaxAxes), dim)
	}
	size := (64*dim + 256) * (classes + 1)
	if dim <= MaxAxesDim {
		size += 64 * dim * MaxAxes
	}
	if len(saved) > size { // no decoding a huge record
		return bad()
	}
	// A variance of 0 no run has (train refuses data of no spread); a
	// class of one point has it.
	if err := json.Unmarshal([]byte(saved), &m); err != nil || !momentsFit(m, dim, reach) || !axesFit(m, dim, maxAbs) || !(m.Var > 0) || len(m.ByClass) != classes {
		return bad()
	}
	for _, c := range m.ByClass {
		if !momentsFit(c, dim, reach) || len(c.ByClass) > 0 || len(c.Axes) > 0 || c.Rest != 0 {
			return bad()
		}
	}
	return m, nil
}

// momentsFit reports moments of dimension dim within reach.
func momentsFit(m DataMoments, dim int, reach float64) bool {
	if len(m.Mean) != dim || !(m.Var >= 0 && m.Var <= reach*reach) {
		return false
	}
	for _, v := range m.Mean {
		if !(math.Abs(v) <= reach) {
			return false
		}
	}
	return true
}

// bestOf reads and checks a checkpoint's record of the best held-out loss,
// nil where it has none.
func bestOf(c *checkpoints.Checkpoint, path string) (*Best, error) {
	b, ok := c.Meta[metaBest]
	if !ok {
		return nil, nil
	}
	best := new(Best)
	if err := json.Unmarshal([]byte(b), best); err != nil || best.Step < 0 || best.Step > c.Step || best.Since < 0 {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata %.200q: want a JSON object with a step from 0 to the checkpoint's %d and a count of evaluations since >= 0", path, metaBest, b, c.Step)
	}
	return best, nil
}

// nearOf reads and checks a checkpoint's Near, nil where it has none.
func nearOf(c *checkpoints.Checkpoint, path string) (*Near, error) {
	b, ok := c.Meta[metaNear]
	if !ok {
		return nil, nil
	}
	near := new(Near)
	dec := json.NewDecoder(strings.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(near); err != nil || near.Reached < 0 || near.Reached > c.Step || near.LowestStep < 1 || near.LowestStep > c.Step ||
		near.Since < 0 || near.Since > c.Step || !(near.Lowest >= 0 && near.Lowest <= math.MaxFloat64) {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata %.200q: want a JSON object of reached (0 or a step up to the checkpoint's %d), lowest (a finite ratio >= 0), lowest_step (from 1 to %d) and evaluations_since (from 0 to %d)", path, metaNear, b, c.Step, c.Step, c.Step)
	}
	return near, nil
}

// Bounds on a checkpoint's standardisation: a standard deviation outside
// them maps model units to data units (or back) with overflow or underflow
// for any sample a model can draw, so no data set of finite numbers gives
// one.
const (
	minStd  = MinStd
	maxStd  = 1e100
	maxMean = 1e100 // squares of values near it (spreads, distances) stay finite
)

// MinStd is the least standard deviation a standardised column may have:
// training refuses data with a smaller one, and a checkpoint recording one
// was edited.
const MinStd = 1e-100

// normalizerOf reads and checks a checkpoint's standardisation.
func normalizerOf(c *checkpoints.Checkpoint, path string, dim int) (datasets.Normalizer, error) {
	var norm datasets.Normalizer
	// A null would decode as 0, shifting every sample.
	if err := json.Unmarshal([]byte(c.Meta[metaNorm]), &norm); err != nil || len(norm.Mean) != dim || len(norm.Std) != dim || strings.Contains(c.Meta[metaNorm], "null") {
		return norm, fmt.Errorf("rundir: %s: bad %s metadata %.200q: want {\"mean\": [%d numbers], \"std\": [%d numbers]}", path, metaNorm, c.Meta[metaNorm], dim, dim)
	}
	for j := range dim {
		if m, s := norm.Mean[j], norm.Std[j]; !(math.Abs(m) <= maxMean) || !(s >= minStd && s <= maxStd) {
			return norm, fmt.Errorf("rundir: %s: bad %s metadata: column %d has mean %v and standard deviation %v, want a mean within ±%g and a standard deviation from %g to %g",
				path, metaNorm, j+1, m, s, maxMean, minStd, maxStd)
		}
	}
	for j, k := range norm.Quantiles {
		if j < 0 || j >= dim {
			return norm, fmt.Errorf("rundir: %s: bad %s metadata: quantiles of column %d, want a column from 1 to %d", path, metaNorm, j+1, dim)
		}
		if err := k.Check(); err != nil {
			return norm, fmt.Errorf("rundir: %s: bad %s metadata: column %d's quantiles: %w", path, metaNorm, j+1, err)
		}
	}
	return norm, nil
}

// sameRun refuses a checkpoint read by path for the run in dir when it
// belongs to another run: it must have been trained from the same config
// (name, seed, data, model, loss) as dir's config.yaml, wherever it lies;
// one outside dir's checkpoints/ is refused when there is no config.yaml to
// compare with.
func sameRun(dir, path string, cfg *configs.Config) error {
	own, err := LoadConfig(dir, nil)
	if err != nil {
		if _, missing := os.Stat(ConfigPath(dir)); missing != nil && inside(CheckpointDir(dir), path) {
			return nil // a run directory of checkpoints alone
		}
		return fmt.Errorf("rundir: checkpoint %s is not in run %s, whose config cannot be read to compare: %w", path, dir, err)
	}
	// What a resume may not change is what makes the run: a checkpoint
	// trained with another learning rate, batch or ladder is another run's,
	// even with the same name, seed, data and model.
	if diffs := configs.ResumeConflicts(own, cfg); len(diffs) > 0 {
		more := ""
		if len(diffs) > 1 {
			more = fmt.Sprintf(" (and %d more keys)", len(diffs)-1)
		}
		return fmt.Errorf("rundir: checkpoint %s belongs to another run than %s: the run's config.yaml and the checkpoint's differ in %s%s", path, dir, diffs[0], more)
	}
	return nil
}

// inside reports whether the file path, its links followed, lies in
// directory dir.
func inside(dir, path string) bool {
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	p := filepath.Dir(real)
	rel, err := filepath.Rel(d, p)
	return err == nil && rel == "."
}

// endsOf reads and checks a checkpoint's point masses at column ends: each
// at a column of the data, finite, and a column's low end below its high.
func endsOf(c *checkpoints.Checkpoint, path string, dim int) (datasets.Ends, error) {
	var e datasets.Ends
	v, ok := c.Meta[metaEnds]
	if !ok {
		return e, nil
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, fmt.Errorf("rundir: %s: bad %s metadata: %v", path, metaEnds, err)
	}
	var cols []int
	for _, end := range []map[int]float64{e.Low, e.High, e.WallLow, e.WallHigh} {
		for j := range end {
			cols = append(cols, j)
		}
	}
	slices.Sort(cols) // the first bad column is named, whatever the map's order
	for _, j := range cols {
		lo, hasLo := e.Low[j]
		hi, hasHi := e.High[j]
		wallLo, hasWallLo := e.WallLow[j]
		wallHi, hasWallHi := e.WallHigh[j]
		switch {
		case j < 0 || j >= dim || !(math.Abs(lo) <= maxMean) || !(math.Abs(hi) <= maxMean) || !(math.Abs(wallLo) <= maxMean) || !(math.Abs(wallHi) <= maxMean):
		case hasLo && hasHi && !(lo < hi), hasWallLo && hasWallHi && !(wallLo < wallHi):
		case hasLo && hasWallLo, hasHi && hasWallHi: // an end is a mass or a wall
		case hasLo && hasWallHi && !(lo < wallHi), hasWallLo && hasHi && !(wallLo < hi):
		default:
			continue
		}
		return e, fmt.Errorf("rundir: %s: bad %s metadata for column %d: want a column of the data's %d, values within ±%g, a low end below the high, and each end a point mass or a wall, not both", path, metaEnds, j+1, dim, maxMean)
	}
	return e, nil
}

// wholeOf reads and checks a checkpoint's columns of whole numbers: each
// a column of the data, once, in order, and none of them discrete.
func wholeOf(c *checkpoints.Checkpoint, path string, dim int, discrete map[int][]float64) (datasets.Whole, error) {
	var w datasets.Whole
	v, ok := c.Meta[metaWhole]
	if !ok {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(v), &w); err != nil {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata: %v", path, metaWhole, err)
	}
	for k, j := range w {
		_, isDiscrete := discrete[j]
		if j < 0 || j >= dim || (k > 0 && j <= w[k-1]) || isDiscrete {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata: column %d: want columns of the data's %d in increasing order, none of them discrete", path, metaWhole, j+1, dim)
		}
	}
	return w, nil
}

// placesOf reads and checks a checkpoint's columns written to a few
// decimal places: each a column of the data, not discrete, with places
// from -15 to 15 (none for a checkpoint from before them: its samples
// are written as its earlier checkpoints' are).
func placesOf(c *checkpoints.Checkpoint, path string, dim int, discrete map[int][]float64) (datasets.Places, error) {
	return columnsMeta[datasets.Places](c, path, metaPlaces, dim, discrete, "places from -15 to 15 other than 0", func(k int) bool { return k >= -15 && k <= 15 && k != 0 })
}

// heapsOf reads and checks a checkpoint's heaped columns: each a column
// of the data, not discrete, its share in (0, 1) (none for a checkpoint
// from before them: its samples are written as its earlier ones' are).
func heapsOf(c *checkpoints.Checkpoint, path string, dim int, discrete map[int][]float64) (datasets.Heaps, error) {
	return columnsMeta[datasets.Heaps](c, path, metaHeaps, dim, discrete, "a share between 0 and 1 and a finite range", func(h datasets.Heap) bool {
		return h.Share > 0 && h.Share < 1 && h.Low <= h.High && !math.IsInf(h.High-h.Low, 0) && !math.IsNaN(h.High-h.Low)
	})
}

// columnsMeta reads a checkpoint's JSON {column: value} under key, each
// column one of the data's dim, not discrete, and its value as ok says
// (want says what it wants); nil where the key is absent.
func columnsMeta[M ~map[int]V, V any](c *checkpoints.Checkpoint, path, key string, dim int, discrete map[int][]float64, want string, ok func(V) bool) (M, error) {
	v, found := c.Meta[key]
	if !found {
		return nil, nil
	}
	var m M
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata: %v", path, key, err)
	}
	for _, j := range slices.Sorted(maps.Keys(m)) { // the first bad column is named, whatever the map's order
		_, isDiscrete := discrete[j]
		if j < 0 || j >= dim || isDiscrete || !ok(m[j]) {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata for column %d: want a column of the data's %d, not discrete, and %s", path, key, j+1, dim, want)
		}
	}
	return m, nil
}

// discreteOf reads and checks a checkpoint's discrete columns: each a
// column of the data, with finite values in increasing order.
func discreteOf(c *checkpoints.Checkpoint, path string, dim int) (map[int][]float64, error) {
	v, ok := c.Meta[metaDiscrete]
	if !ok {
		return nil, nil
	}
	var d map[int][]float64
	if err := json.Unmarshal([]byte(v), &d); err != nil {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata", path, metaDiscrete)
	}
	for j, values := range d {
		ok := j >= 0 && j < dim && len(values) >= 1
		for k, x := range values {
			ok = ok && math.Abs(x) <= maxMean && (k == 0 || x > values[k-1])
		}
		if !ok {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata for column %d: want values within ±%g in increasing order", path, metaDiscrete, j+1, maxMean)
		}
	}
	return d, nil
}

// IsSHA256 is whether s is a SHA-256 in lowercase hexadecimal, as Digest
// records it.
func IsSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// IsSelection reports whether dir is a refitted run's first training: a
// run directory named select/ inside another.
func IsSelection(dir string) bool {
	dir = filepath.Clean(dir)
	if filepath.Base(dir) != SelectionName {
		return false
	}
	_, own := os.Stat(ConfigPath(dir))
	_, parent := os.Stat(ConfigPath(filepath.Dir(dir)))
	return own == nil && parent == nil
}
