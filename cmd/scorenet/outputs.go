package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"scorenet/configs"
	"scorenet/workflow"
)

// prepareOutput makes sure the file a flag names can be written, before any
// work that its failure would waste: its directory is created, and a file
// is made and removed there.
func prepareOutput(flagName, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-%s %s: cannot create its directory: %w", flagName, path, err)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("-%s %s: is a directory, want a file", flagName, path)
	}
	f, err := os.CreateTemp(dir, ".scorenet-check-*")
	if err != nil {
		return fmt.Errorf("-%s %s: cannot write in %s: %w", flagName, path, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// flagsAsSets turns the flags of fs that the user gave and that stand for
// config keys (flag name -> key) into key=value overrides, so that they are
// checked, and named in errors, as the config's own keys are.
func flagsAsSets(fs *flag.FlagSet, keys map[string]string) []string {
	var sets []string
	fs.Visit(func(f *flag.Flag) {
		if key, ok := keys[f.Name]; ok {
			sets = append(sets, configs.FlagOverride(f.Name, key, f.Value.String()))
		}
	})
	return sets
}

// weightsFlag adds the -weights flag of the commands that read a run.
func weightsFlag(fs *flag.FlagSet) *string {
	return fs.String("weights", "", "ema: the moving average of the parameters (the default where the run kept one, train.ema); raw: the parameters as trained")
}

// openRun opens a run for a reader command, with the weights asked for,
// saying on stderr which newer checkpoints it skipped and why.
func openRun(dir, checkpoint, weights string, stderr io.Writer) (*workflow.Run, error) {
	run, err := workflow.Open(dir, checkpoint, weights)
	if err != nil {
		return nil, err
	}
	for _, e := range run.Skipped {
		fmt.Fprintf(stderr, "skipping a checkpoint that does not load: %v\n", e)
	}
	return run, nil
}
