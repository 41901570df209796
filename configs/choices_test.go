package configs

import (
	"strings"
	"testing"

	"scorenet/losses"
	"scorenet/nn"
)

// The keys whose choices come from the code accept every choice the code
// builds, and refuse the rest naming the key; the fused engine is refused
// where the core cannot run the model.
func TestChoicesComeFromTheCode(t *testing.T) {
	base := "name: c\ndata: {dataset: moons}\n"
	parse := func(overrides ...string) error {
		_, err := Parse([]byte(base), "c.yaml", overrides)
		return err
	}
	for _, act := range nn.Activations() {
		if err := parse("model.activation=" + act); err != nil {
			t.Errorf("activation %s: %v", act, err)
		}
	}
	for _, name := range losses.Names() {
		_, needs := losses.NoiseConditional(name)
		overrides := []string{"train.loss=" + name, "model.noise_conditional=" + map[bool]string{true: "true", false: "false"}[needs]}
		if losses.NeedsSigmaData(name) {
			overrides = append(overrides, "model.sigma_data=auto")
		}
		if err := parse(overrides...); err != nil {
			t.Errorf("loss %s: %v", name, err)
		}
	}
	for _, engine := range losses.Engines {
		if err := parse("train.engine=" + engine); err != nil {
			t.Errorf("engine %s: %v", engine, err)
		}
	}
	for _, c := range []struct {
		overrides []string
		want      string
	}{
		{[]string{"model.activation=relu"}, `model.activation: "relu" is not one of ` + strings.Join(nn.Activations(), ", ")},
		{[]string{"train.loss=ism"}, `train.loss: "ism" is not one of ` + strings.Join(losses.Names(), ", ")},
		{[]string{"train.engine=gpu"}, `train.engine: "gpu" is not one of auto, graph, fused`},
		{[]string{"train.engine=fused", "model.type=gaussian"}, "train.engine: fused is not available: the hand-written core runs MLPs and U-Nets only"},
		{[]string{"train.engine=fused", "model.dtype=float32"}, "train.engine: fused is not available: the hand-written core runs the exact loss in float64 only"},
		{[]string{"model.residual=true", "model.type=gaussian"}, "model.residual: only the mlp has this setting"},
		{[]string{"train.loss=anneal_dsm"}, "train.loss: anneal_dsm needs model.noise_conditional: true"},
		{[]string{"model.noise_conditional=true"}, "model.noise_conditional: a noise-conditional model trains with loss dsm or anneal_dsm or vesde_dsm or edm_dsm, not exact"},
	} {
		if err := parse(c.overrides...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.overrides, err, c.want)
		}
	}
}

// `auto` is taken where the config allows it, and only there.
func TestAutoNoiseScales(t *testing.T) {
	base := "name: c\ndata: {dataset: moons}\nmodel: {noise_conditional: true}\ntrain: {loss: anneal_dsm}\n"
	cfg, err := Parse([]byte(base), "c.yaml", []string{"train.sigmas=auto", "sample.eps=auto"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Train.Sigmas.Unresolved() || !cfg.Sample.EpsAuto || cfg.Sample.Eps != 0 {
		t.Errorf("auto not taken: %+v, eps %v auto %v", cfg.Train.Sigmas, cfg.Sample.Eps, cfg.Sample.EpsAuto)
	}
	if _, err := Parse([]byte(base), "c.yaml", []string{"train.batch_size=auto"}); err == nil || !strings.Contains(err.Error(), `train.batch_size: expected an integer, got "auto"`) {
		t.Errorf("auto for train.batch_size: %v", err)
	}
	steps, err := Parse([]byte(base), "c.yaml", []string{"train.steps=auto", "model.hidden=auto"})
	if err != nil || !steps.Train.StepsAuto || steps.Train.Steps != 0 || !steps.Model.HiddenAuto || steps.Model.Hidden != nil ||
		steps.Train.Patience != DefaultPatience || steps.Train.EvalEvery != 0 {
		t.Errorf("train.steps and model.hidden auto not taken: %+v %+v, %v", steps.Train, steps.Model, err)
	}
	sd, err := Parse([]byte(base), "c.yaml", []string{"model.sigma_data=auto"})
	if err != nil || !sd.Model.SigmaDataAuto || sd.Model.SigmaData != 0 {
		t.Errorf("model.sigma_data auto not taken: %+v, %v", sd.Model, err)
	}
	if _, err := Parse([]byte(base), "c.yaml", []string{"model.sigma_data=auto", "model.noise_conditional=false", "train.loss=dsm"}); err == nil || !strings.Contains(err.Error(), "model.sigma_data") {
		t.Errorf("sigma_data auto without noise conditioning: %v", err)
	}
	resolved := base + "sample: {eps: 6.2e-6, eps_auto: true, steps_per_level: 100}\n"
	if c, err := Parse([]byte(resolved), "run.yaml", []string{"sample.steps_per_level=5"}); err != nil || c.Sample.Eps != 0 || !c.Sample.EpsAuto {
		t.Errorf("steps_per_level overridden: eps %v auto %v (%v), want it chosen again", c.Sample.Eps, c.Sample.EpsAuto, err)
	}
	if c, err := Parse([]byte(resolved), "run.yaml", []string{"sample.steps_per_level=5", "sample.eps=0.01"}); err != nil || c.Sample.Eps != 0.01 || c.Sample.EpsAuto {
		t.Errorf("eps overridden: eps %v auto %v (%v), want 0.01 as given", c.Sample.Eps, c.Sample.EpsAuto, err)
	}
	for _, ladder := range []string{"train.sigmas.n=30", "train.sigmas=auto"} {
		if c, err := Parse([]byte(resolved), "run.yaml", []string{ladder}); err != nil || c.Sample.Eps != 0 || !c.Sample.EpsAuto {
			t.Errorf("-set %s: eps %v auto %v (%v), want it chosen again for the new ladder", ladder, c.Sample.Eps, c.Sample.EpsAuto, err)
		}
	}
	chosenSD := strings.Replace(base, "model: {noise_conditional: true}", "model: {noise_conditional: true, sigma_data: 0.35, sigma_data_auto: true}", 1)
	if c, err := Parse([]byte(chosenSD), "run.yaml", []string{"model.sigma_data=0.5"}); err != nil || c.Model.SigmaData != 0.5 || c.Model.SigmaDataAuto {
		t.Errorf("sigma_data overridden: %v auto %v (%v), want 0.5 as given", c.Model.SigmaData, c.Model.SigmaDataAuto, err)
	}
	if c, err := Parse([]byte(chosenSD), "run.yaml", []string{"model.sigma_data=0"}); err != nil || c.Model.SigmaData != 0 || c.Model.SigmaDataAuto {
		t.Errorf("sigma_data turned off: %v auto %v (%v), want off", c.Model.SigmaData, c.Model.SigmaDataAuto, err)
	}
	if c, err := Parse([]byte(resolved), "run.yaml", nil); err != nil || c.Sample.Eps != 6.2e-6 {
		t.Errorf("nothing overridden: eps %v (%v), want the chosen 6.2e-6", c.Sample.Eps, err)
	}
	again, err := Parse(cfg.YAML(), "again.yaml", nil)
	if err != nil || !again.Train.Sigmas.Unresolved() || !again.Sample.EpsAuto {
		t.Errorf("an unresolved auto config does not read back: %v", err)
	}
}

// sample.steps counts noise levels for heun and dpmpp_2m: a count written
// for another sampler gives way to DefaultSolverLevels, an explicit one
// wins.
func TestSolverLevelsDefault(t *testing.T) {
	const base = "name: t\ndata: {dataset: moons}\nmodel: {noise_conditional: true}\ntrain: {loss: anneal_dsm}\n"
	for _, tc := range []struct {
		name string
		doc  string
		set  []string
		want int
	}{
		{"langevin keeps 1000", base, nil, 1000},
		{"picked by -set", base + "sample: {steps: 1000}\n", []string{"sample.sampler=heun"}, DefaultSolverLevels},
		{"picked by -set with steps", base + "sample: {steps: 1000}\n", []string{"sample.sampler=heun", "sample.steps=40"}, 40},
		{"in the file without steps", base + "sample: {sampler: dpmpp_2m}\n", nil, DefaultSolverLevels},
		{"in the file with steps", base + "sample: {sampler: dpmpp_2m, steps: 18}\n", nil, 18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc), "t.yaml", tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if c.Sample.Steps != tc.want {
				t.Errorf("sample.steps %d, want %d", c.Sample.Steps, tc.want)
			}
		})
	}
}
