// Command scorenet trains neural score networks by score matching (exact,
// sliced or denoising), and scores, samples, evaluates and plots the learned
// score nabla_x log p(x), and fills in missing entries of tables by it.
//
//	scorenet train  -config FILE [-resume] [-set key=value ...]
//	scorenet train  -data FILE [-out DIR] [-set key=value ...]
//	scorenet score  -run DIR [-checkpoint FILE] -in FILE -out FILE
//	scorenet sample -run DIR [-out FILE] [-n N] [-plot FILE.png] [-sampler langevin|annealed|pc|ode|heun|dpmpp_2m] ...
//	scorenet impute -run DIR -in FILE -out FILE [-n K] [-draws FILE] [-spread FILE]
//	scorenet plot   -run DIR [-out DIR]
//	scorenet eval   -run DIR [-samples=false] [-n N]
//	scorenet likelihood -run DIR -in FILE [-out FILE] [-trace exact|hutchinson]
//
// Run a subcommand with -h for its flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"scorenet/configs"
	"scorenet/internal/gemm"
	"scorenet/internal/memlimit"
	"scorenet/internal/vmath"
	"scorenet/losses"
	"scorenet/nn"
)

const usage = `scorenet learns the score of a data set, nabla_x log p(x), by score matching.

Usage:
  scorenet train  -config FILE [-resume] [-set key=value ...]
  scorenet train  -data FILE [-out DIR] [-set key=value ...]
  scorenet score  -run DIR [-checkpoint FILE] -in FILE -out FILE
  scorenet sample -run DIR [-out FILE] [-n N] [-plot FILE.png] [-sampler langevin|annealed|pc|ode|heun|dpmpp_2m]
  scorenet impute -run DIR -in FILE -out FILE [-n K] [-draws FILE] [-spread FILE]
  scorenet plot   -run DIR [-out DIR]
  scorenet eval   -run DIR [-samples=false] [-n N]
  scorenet likelihood -run DIR -in FILE [-out FILE] [-trace exact|hutchinson]
  scorenet merge  -out FILE SHARD_FILE...
  scorenet sigmas -config FILE | -data FILE
  scorenet version

Run "scorenet <command> -h" for a command's flags.
`

// command is a subcommand: its flags, and what it does with them.
type command struct {
	flags *flag.FlagSet
	args  bool // takes arguments after its flags
	run   func() error
}

func main() {
	softMemoryLimit()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// softMemoryLimit sets the Go runtime's soft memory limit to nine tenths
// of the process's own hard limit (ulimit -d, ulimit -v, a cgroup's
// memory.max), unless GOMEMLIMIT already sets one. Without it the runtime
// collects garbage only when the heap has doubled, and under a hard limit
// a heap of big arrays already dropped can ask for the doubling before it
// collects them, and die.
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if ceiling, ok := memlimit.Ceiling(); ok {
		debug.SetMemoryLimit(ceiling / 10 * 9)
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		fmt.Fprintf(stdout, "\nLosses (train.loss): %s; engines (train.engine): %s.\n", strings.Join(losses.Names(), ", "), strings.Join(losses.Engines, ", "))
		fmt.Fprintf(stdout, "Activations (model.activation): %s.\n", strings.Join(nn.Activations(), ", "))
		fmt.Fprintf(stdout, "This build: matrix products by %s; activations by %s.\n", nn.BLAS, vmath.Kernel())
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "-version" || args[0] == "--version" {
		fmt.Fprintln(stdout, versionText())
		return 0
	}
	commands := map[string]func(stdout, stderr io.Writer) *command{
		"train":      trainCommand,
		"score":      scoreCommand,
		"sample":     sampleCommand,
		"impute":     imputeCommand,
		"likelihood": likelihoodCommand,
		"plot":       plotCommand,
		"eval":       evalCommand,
		"merge":      mergeCommand,
		"sigmas":     sigmasCommand,
	}
	newCmd, ok := commands[args[0]]
	if !ok {
		names := []string{"train", "score", "sample", "impute", "plot", "eval", "likelihood", "merge", "sigmas", "version"}
		hint := ""
		if near := configs.Nearest(args[0], names); near != "" {
			hint = fmt.Sprintf("; did you mean %q?", near)
		}
		fmt.Fprintf(stderr, "scorenet: unknown command %q%s; the commands are train, score, sample, impute, plot, eval, merge, sigmas and version (scorenet -h)\n", args[0], hint)
		return 2
	}
	cmd := newCmd(stdout, stderr)
	name := "scorenet " + args[0]
	cmd.flags.SetOutput(io.Discard)
	if err := cmd.flags.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cmd.flags.SetOutput(stdout)
			cmd.flags.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "%s: %v%s (see %s -h)\n", name, err, flagSuggestion(cmd.flags, err), name)
		return 2
	}
	if cmd.flags.NArg() > 0 && !cmd.args {
		fmt.Fprintf(stderr, "%s: unexpected argument %q (see %s -h)\n", name, cmd.flags.Arg(0), name)
		return 2
	}
	if threads := cmd.flags.Lookup("threads"); threads != nil {
		n, _ := strconv.Atoi(threads.Value.String())
		if most := maxThreads(); n < 0 || n > most {
			fmt.Fprintf(stderr, "%s: -threads must be from 1 to %d (four a core here; 0: every core this process may use), got %s\n", name, most, threads.Value.String())
			return 2
		}
		setThreads(n)
	}
	if err := cmd.run(); err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return 0
}

// flagSuggestion names the flag of fs nearest a misspelled one in err.
func flagSuggestion(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if near := configs.Nearest(strings.TrimPrefix(name, "-"), names); near != "" {
		return fmt.Sprintf("; did you mean -%s?", near)
	}
	return ""
}

// versionText is what scorenet version prints: the build's version and
// commit (from the Go toolchain's build information), the Go version and
// the kernels this binary runs on this machine.
func versionText() string {
	version, commit, modified := "(devel)", "unknown", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (with uncommitted changes)"
				}
			}
		}
	}
	return fmt.Sprintf("scorenet %s, commit %s%s, %s %s/%s\nmatrix products: %s\nactivations: %s",
		version, commit, modified, runtime.Version(), runtime.GOOS, runtime.GOARCH, nn.BLAS, vmath.Kernel())
}

// newFlags returns a flag set whose -h prints the synopsis and every flag,
// with the -threads flag every command that computes takes.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: scorenet %s\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	fs.Int("threads", 0, "threads to compute on (default: every core this process may use, GOMAXPROCS); results do not depend on it")
	return fs
}

// maxThreads bounds -threads: four a core (at least 8). More threads than
// cores compute nothing faster (results have the same bits on any number),
// and each holds its own stack and buffers: a thousand of them did not fit
// a process under ulimit -d 1 GB.
func maxThreads() int { return max(8, 4*runtime.NumCPU()) }

// setThreads makes the process compute on n threads (0: GOMAXPROCS, every
// core it may use by default). Results have the same bits for any n.
func setThreads(n int) {
	if n > 0 {
		runtime.GOMAXPROCS(n)
	}
	gemm.SetThreads(n)
}

// required reports the first of the named string flags left empty.
func required(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if fs.Lookup(n).Value.String() == "" {
			return fmt.Errorf("missing required flag -%s (see scorenet %s -h)", n, fs.Name())
		}
	}
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
