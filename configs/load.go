package configs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"scorenet/internal/strictyaml"
	"scorenet/losses"
)

// Load reads the config file at path, applies the key=value overrides in
// order, fills in defaults and validates the result.
func Load(path string, overrides []string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("configs: %w", err)
	}
	defer f.Close()
	// Read one byte past the bound to tell a file at it from one beyond:
	// a config is a few kilobytes, and a path such as /dev/zero would
	// otherwise be read until memory runs out.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("configs: %w", err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("configs: %s: more than %d bytes: not a config file", path, MaxFileSize)
	}
	return Parse(b, path, overrides)
}

// MaxFileSize bounds a config file's size.
const MaxFileSize = 1 << 20

// Parse is Load for config text; source names it in errors.
func Parse(text []byte, source string, overrides []string) (*Config, error) {
	return parseAs(text, source, overrides, false)
}

// ParseRun is Parse for the text of a run's config.yaml: a key added
// since the run was written (data.quantile) reads as the run was trained.
func ParseRun(text []byte, source string, overrides []string) (*Config, error) {
	return parseAs(text, source, overrides, true)
}

func parseAs(text []byte, source string, overrides []string, runFile bool) (*Config, error) {
	cfg, err := parse(text, source, overrides, runFile)
	if err != nil {
		var located *strictyaml.Error
		if errors.As(err, &located) {
			return nil, decodeError{located}
		}
		return nil, err
	}
	return cfg, nil
}

// parse is Parse with the errors of the decoder and the checks still
// strictyaml's.
func parse(text []byte, source string, overrides []string, runFile bool) (*Config, error) {
	d := &decoder{Decoder: strictyaml.NewDecoder(source), runFile: runFile}
	d.Hook = d.auto
	d.Example = "train.steps=8000"
	root, err := d.Parse(text)
	if errors.Is(err, strictyaml.ErrEmpty) {
		return nil, fmt.Errorf("configs: %s: the file is empty; want a YAML mapping with at least name and data.dataset", source)
	}
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		// strictyaml's Decode refuses it below, naming the file
	} else if sample := mappingValue(root, "sample"); sample != nil && sample.Kind == yaml.MappingNode {
		if v := mappingValue(sample, "sampler"); v != nil {
			d.fileSampler = v.Value
		}
	}
	for _, o := range overrides {
		if err := d.Override(root, o); err != nil {
			return nil, err
		}
	}
	dropped := dropOtherDatasetKeys(root, d)
	cfg := Default()
	if err := d.Decode(root, &cfg); err != nil {
		return nil, err
	}
	if len(dropped) > 0 {
		cfg.Notes = append(cfg.Notes, fmt.Sprintf("%s: dropped %s from %s: they do not apply to dataset %s",
			overrideShown(d, "data.dataset"), strings.Join(dropped, ", "), source, cfg.Data.Dataset))
	}
	if d.epsAuto {
		cfg.Sample.EpsAuto = true
	}
	// A value chosen by auto in a run's config.yaml: overriding it by a
	// number ends auto; eps was chosen for the ladder and steps_per_level
	// of its day, so overriding those chooses it again.
	if _, set := d.Overridden("sample.eps"); set && !d.epsAuto {
		cfg.Sample.EpsAuto = false
	} else if cfg.Sample.EpsAuto && d.OverriddenAny("sample.steps_per_level", "train.sigmas", "train.sigma", "train.loss") {
		cfg.Sample.Eps = 0
	}
	if _, set := d.Overridden("model.channels"); set {
		cfg.Model.ChannelsAuto = false
	}
	if _, set := d.Overridden("model.sigma_data"); set && !d.sigmaDataAuto {
		cfg.Model.SigmaDataAuto = false
	}
	if d.sigmaDataAuto {
		cfg.Model.SigmaDataAuto = true
	}
	// As for eps: a number given by an override ends auto.
	if _, set := d.Overridden("model.hidden"); set && !d.hiddenAuto {
		cfg.Model.HiddenAuto = false
	} else if d.hiddenAuto {
		cfg.Model.HiddenAuto, cfg.Model.Hidden = true, nil
	}
	// As for sigma_data: a number given by an override ends auto.
	if _, set := d.Overridden("sample.churn_max"); set && !d.churnMaxAuto {
		cfg.Sample.ChurnMaxAuto = false
	}
	if d.churnMaxAuto {
		cfg.Sample.ChurnMaxAuto = true
	}
	_, stopSet := d.Overridden("sample.sigma_stop")
	if stopSet && !d.sigmaStopAuto {
		cfg.Sample.SigmaStopAuto = false
	}
	// A level to stop at is the solvers': another sampler given over a
	// run's config (impute's Langevin, sample -sampler ode) walks none.
	if _, set := d.Overridden("sample.sampler"); set && !stopSet && !Solver(cfg.Sample.Sampler) {
		cfg.Sample.SigmaStop = 0
	}
	if d.sigmaStopAuto {
		cfg.Sample.SigmaStopAuto = true
	}
	if _, set := d.Overridden("train.steps"); set && !d.stepsAuto {
		cfg.Train.StepsAuto = false
	} else if d.stepsAuto {
		cfg.Train.StepsAuto, cfg.Train.Steps = true, 0
	}
	cfg.Notes = append(cfg.Notes, d.dataDefaults(&cfg)...)
	if cfg.Data.Dataset == "file" && cfg.Data.DiscreteValues == 0 && !d.Given("data.discrete_values") {
		cfg.Data.DiscreteValues, cfg.Data.DiscreteValuesDefaulted = DefaultDiscreteValues, true
		if d.runFile {
			cfg.Data.DiscreteValues = OldDiscreteValues // a run trained before the key existed, found as it was
		}
	}
	if cfg.Data.Dataset == "file" && cfg.Data.DiscreteSpread == 0 && !d.Given("data.discrete_spread") {
		cfg.Data.DiscreteSpread, cfg.Data.DiscreteSpreadDefaulted = DefaultDiscreteSpread, true
		if d.runFile {
			cfg.Data.DiscreteSpread = OldDiscreteSpread // a run trained before the key existed, its rows spread as they were
		}
	}
	if cfg.Data.Dataset == "file" && cfg.Data.QuantileValleys == nil {
		valleys := !d.runFile // a run's config.yaml without the key was trained without
		cfg.Data.QuantileValleys, cfg.Data.QuantileValleysDefaulted = &valleys, true
	}
	if cfg.Data.Dataset == "file" && cfg.Data.QuantileMasses == nil {
		masses := !d.runFile // a run's config.yaml without the key was trained without
		cfg.Data.QuantileMasses, cfg.Data.QuantileMassesDefaulted = &masses, true
	}
	if cfg.Data.Dataset == "file" && cfg.Data.ValleyLevels == 0 && !d.Given("data.valley_levels") {
		cfg.Data.ValleyLevels, cfg.Data.ValleyLevelsDefaulted = DefaultValleyLevels, true
		if d.runFile {
			cfg.Data.ValleyLevels = OldValleyLevels // a run trained before the key existed, its codes mapped as they were
		}
	}
	if cfg.Data.Dataset == "file" && cfg.Data.DiscreteGap == 0 && !d.Given("data.discrete_gap") {
		cfg.Data.DiscreteGap, cfg.Data.DiscreteGapDefaulted = DefaultDiscreteGap, true
		if d.runFile {
			cfg.Data.DiscreteGap = OldDiscreteGap // a run trained before the key existed, standardised as it was
		}
	}
	// auto's choice follows the loss and the model: a run's config.yaml
	// (which records the choice) with another loss chooses again.
	if _, dtypeSet := d.Overridden("model.dtype"); cfg.Model.DtypeAuto && !dtypeSet && d.OverriddenAny("train.loss", "model.type") {
		cfg.Model.Dtype = "auto"
	}
	if cfg.Model.Dtype == "auto" {
		cfg.Model.Dtype, cfg.Model.DtypeAuto = AutoDtype(cfg.Model.Type, cfg.Train.Loss), true
		if cfg.Model.Dtype == "float32" { // float64 is what every run had before auto: nothing to say
			cfg.Notes = append(cfg.Notes, fmt.Sprintf("model.dtype auto: float32 (a denoising loss on the %s: half the memory, about twice the speed; set model.dtype: float64 to keep the old)", cfg.Model.Type))
		}
	} else if _, set := d.Overridden("model.dtype"); set {
		cfg.Model.DtypeAuto = false
	}
	if err := d.resolve(&cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// decodeError is an error of the decoder or of a check told as configs'
// own: the same words, after the package name.
type decodeError struct{ err *strictyaml.Error }

func (e decodeError) Error() string { return "configs: " + e.err.Located() }
func (e decodeError) Unwrap() error { return e.err }

// decoder decodes a config: the strict YAML decoder, which remembers where
// each key came from for the checks after it, taking auto where the schema
// allows it.
type decoder struct {
	*strictyaml.Decoder
	epsAuto       bool // sample.eps: auto was given
	sigmaDataAuto bool // model.sigma_data: auto was given
	hiddenAuto    bool // model.hidden: auto was given
	stepsAuto     bool // train.steps: auto was given
	churnMaxAuto  bool // sample.churn_max: auto was given
	sigmaStopAuto bool // sample.sigma_stop: auto was given
	// fileSampler is sample.sampler as the file gives it, before any
	// override: its sample.steps were counted for it.
	fileSampler string
	// solverLevels is sample.steps as the data's defaults chose it for
	// heun and dpmpp_2m (0: DefaultSolverLevels).
	solverLevels int
	// runFile: the text is a run's config.yaml, whose keys added since
	// it was written read as the run was trained.
	runFile bool
}

// auto takes the value auto for the keys that allow it (train.sigmas,
// sample.eps, model.sigma_data, sample.churn_max, ...), and reports whether
// it did.
func (d *decoder) auto(n *yaml.Node, v reflect.Value, key string) bool {
	if n.Kind != yaml.ScalarNode || n.Value != "auto" {
		return false
	}
	switch v.Type() {
	case reflect.TypeOf(Sigmas{}):
		v.Set(reflect.ValueOf(Sigmas{Auto: true}))
		return true
	case reflect.TypeOf([]int(nil)):
		if key == "model.hidden" {
			v.Set(reflect.Zero(v.Type()))
			d.hiddenAuto = true
			return true
		}
	case reflect.TypeOf((*bool)(nil)):
		if key == "train.refit" { // nil: decided from the data
			v.Set(reflect.Zero(v.Type()))
			return true
		}
	case reflect.TypeOf(0):
		if key == "train.steps" {
			v.SetInt(0)
			d.stepsAuto = true
			return true
		}
	case reflect.TypeOf(float64(0)):
		switch key {
		case "sample.eps":
			v.SetFloat(0)
			d.epsAuto = true
			return true
		case "model.sigma_data":
			v.SetFloat(0)
			d.sigmaDataAuto = true
			return true
		case "sample.churn_max":
			v.SetFloat(0)
			d.churnMaxAuto = true
			return true
		case "sample.sigma_stop":
			v.SetFloat(0)
			d.sigmaStopAuto = true
			return true
		}
	}
	return false
}

// FlagOverride is the override key=value that a command-line flag stands
// for; errors about it name the flag as the user typed it, not a -set.
func FlagOverride(flag, key, value string) string {
	return strictyaml.FlagOverride(flag, key, value)
}

// Nearest is the choice within two edits of word, or "" when there is none:
// the suggestion for a misspelled key or flag.
func Nearest(word string, choices []string) string {
	return strictyaml.Nearest(word, choices)
}

// YAML returns the config as YAML text, every key spelled out.
func (c *Config) YAML() []byte {
	b, err := yaml.Marshal(c)
	if err != nil {
		panic(err) // a Config always marshals
	}
	return b
}

// datasetKeys are the data keys each kind of data set reads, besides
// dataset and holdout, which all do.
var datasetKeys = map[string][]string{
	"file":             {"path", "standardize", "discrete", "discrete_values", "discrete_spread", "discrete_gap", "quantile", "quantile_valleys", "quantile_masses", "missing", "label_column", "categories", "leave_out"},
	"idx":              {"path", "dequantize", "standardize", "labels"},
	"images":           {"path", "dequantize", "standardize", "labels"},
	"gaussian":         {"n", "mean", "cov", "standardize"},
	"gaussian_mixture": {"n", "means", "weights", "std", "standardize"},
}

// toyKeys are the data keys of the 2-D toys (moons, rings, ...).
var toyKeys = []string{"n", "noise", "standardize"}

// dropOtherDatasetKeys removes, when an override changes data.dataset, the
// file's data keys that the new data set does not read (a shipped config's
// data.n pointed at one's own file), and returns their names.
func dropOtherDatasetKeys(root *yaml.Node, d *decoder) []string {
	if _, set := d.Overridden("data.dataset"); !set || root.Kind != yaml.MappingNode {
		return nil
	}
	data := mappingValue(root, "data")
	if data == nil || data.Kind != yaml.MappingNode {
		return nil
	}
	dataset := mappingValue(data, "dataset")
	if dataset == nil {
		return nil
	}
	reads, ok := datasetKeys[dataset.Value]
	if !ok {
		reads = toyKeys
	}
	var dropped []string
	kept := data.Content[:0]
	for i := 0; i+1 < len(data.Content); i += 2 {
		k := data.Content[i].Value
		if k == "dataset" || k == "holdout" || slices.Contains(reads, k) || d.OverriddenAny("data."+k) {
			kept = append(kept, data.Content[i], data.Content[i+1])
			continue
		}
		dropped = append(dropped, "data."+k)
	}
	data.Content = kept
	return dropped
}

// mappingValue is the value of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// overrideShown is the override that set key, as the user wrote it.
func overrideShown(d *decoder, key string) string {
	shown, _ := d.Overridden(key)
	return shown
}

// AutoDtype is what model.dtype: auto chooses: float32 for an mlp or unet
// trained by a denoising loss (half the memory, about twice the speed at image
// size), float64 for the exact and sliced losses, whose finite-difference
// checks and closed forms need it, and for the gaussian model.
func AutoDtype(model, loss string) string {
	if can, _ := losses.NoiseConditional(loss); can && (model == "mlp" || model == "unet") {
		return "float32"
	}
	return "float64"
}
