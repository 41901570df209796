package main

import (
	"fmt"
	"io"
	"strings"

	"scorenet/configs"
	"scorenet/workflow"
)

func sigmasCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("sigmas", `sigmas -config FILE [-set key=value ...]
       sigmas -data FILE [-set key=value ...]

Prints the noise levels and the annealed step size the config's training and
sampling use, and how they were chosen: from the training data (NCSNv2's
techniques 1, 2 and 4) where the config says train.sigmas: auto or
sample.eps: auto, as written otherwise, with every other choice made from
the data (the held-out rows, the network, the length, the batch). With
-data, the config is the one train -data would make for that file. The
defaults and the config's notes go to stderr, the choices made from the
data and the levels to stdout, the same lines train prints. Nothing is
trained or written.`)
	configPath := fs.String("config", "", "the run's YAML config `file` (this or -data is required)")
	dataPath := fs.String("data", "", "the choices of train -data for this data `file` or folder of PNGs")
	var sets listFlag
	fs.Var(&sets, "set", "override a config key (`key=value`; repeatable)")
	return &command{flags: fs, run: func() error {
		var cfg *configs.Config
		var err error
		switch {
		case *dataPath != "" && *configPath != "":
			return fmt.Errorf("give -data FILE or -config FILE, not both")
		case *dataPath != "":
			cfg, err = dataRunConfig(*dataPath, "", sets)
		case *configPath == "":
			return fmt.Errorf("give -config FILE (a config's choices) or -data FILE (those of train -data)")
		default:
			cfg, err = configs.Load(*configPath, sets)
		}
		if err != nil {
			return err
		}
		for _, note := range cfg.Notes {
			fmt.Fprintln(stderr, note)
		}
		data, err := workflow.Prepare(cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "data: %s; %d for training, %d held out (model units%s)\n", data.Source, data.Train.N, data.Valid.N,
			map[bool]string{true: ", standardised", false: ""}[cfg.Data.Standardize])
		if cfg.Data.HoldoutAuto {
			fmt.Fprintln(stdout, workflow.HoldoutSaid(data))
		}
		if workflow.Refits(cfg, data) {
			fmt.Fprintln(stdout, workflow.RefitPlan(cfg, data))
		}
		if len(data.Categories) > 0 { // as train records them: their levels, and which are learnt in digits
			cfg.Data.Categories = workflow.CategoriesRead(data.Categories)
		}
		auto, err := workflow.ChooseAuto(cfg, data.Train)
		if err != nil {
			return err
		}
		auto.Apply(cfg)
		for _, s := range auto.Said {
			fmt.Fprintln(stdout, s)
		}
		levels := cfg.NoiseLevels()
		if len(levels) == 0 {
			fmt.Fprintf(stdout, "train.loss %s uses no noise levels\n", cfg.Train.Loss)
			return nil
		}
		parts := make([]string, len(levels))
		for i, l := range levels {
			parts[i] = fmt.Sprintf("%.4g", l)
		}
		fmt.Fprintf(stdout, "levels (%d): %s\nsample.eps: %.4g (%s, %d steps per level)\n", len(levels), strings.Join(parts, " "),
			cfg.Sample.Eps, map[bool]string{true: "chosen", false: "as written"}[cfg.Sample.EpsAuto], cfg.Sample.StepsPerLevel)
		return nil
	}}
}
