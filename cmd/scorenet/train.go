package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"scorenet/configs"
	"scorenet/train"

	"golang.org/x/term"
)

func trainCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("train", `train -config FILE [-resume] [-set key=value ...]

Trains the model a YAML config describes and writes the run directory
(output.dir, default runs/<name>): config.yaml, metrics.jsonl and
checkpoints/. A progress bar shows on a terminal, log lines otherwise.
SIGINT or SIGTERM stops after the current step with a checkpoint.`)
	configPath := fs.String("config", "", "the run's YAML config `file` (required)")
	resume := fs.Bool("resume", false, "continue from the run directory's newest valid checkpoint; train.steps may be raised")
	var sets listFlag
	fs.Var(&sets, "set", "override a config key, e.g. -set train.steps=8000 (`key=value`, value parsed as YAML; repeatable)")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "config"); err != nil {
			return err
		}
		cfg, err := configs.Load(*configPath, sets)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		signals := make(chan os.Signal, 2)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(signals)
		go func() {
			if _, ok := <-signals; !ok {
				return
			}
			fmt.Fprintln(stderr, "stopping after this step with a checkpoint; a second signal exits at once")
			cancel()
			<-signals
			// Checkpoints are written atomically: exiting mid-write leaves
			// the previous ones intact.
			fmt.Fprintln(stderr, "scorenet train: second signal: exiting at once; the checkpoints already written are intact")
			os.Exit(130)
		}()
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = term.IsTerminal(int(f.Fd()))
		}
		fmt.Fprintf(stderr, "training %s\n", cfg.Describe())
		sum, err := train.Fit(ctx, cfg, train.Options{Resume: *resume, Out: stderr, Terminal: terminal})
		if errors.Is(err, train.ErrInterrupted) {
			return fmt.Errorf("%w; continue with: scorenet train -config %s -resume", err, *configPath)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "trained %d steps in %.1f s (%.2f ms/step)\n", sum.To-sum.From, sum.Seconds, sum.MsPerStep())
		return nil
	}}
}
