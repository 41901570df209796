package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/gemm"
	"scorenet/rundir"
	"scorenet/train"

	"golang.org/x/term"
)

func trainCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("train", `train -config FILE [-resume] [-set key=value ...]
       train -data FILE [-out DIR] [-set key=value ...]
       train -run DIR [-set key=value ...]

Trains the model a YAML config describes and writes the run directory
(output.dir, default runs/<name>): config.yaml, metrics.jsonl and
checkpoints/. A progress bar shows on a terminal, log lines otherwise.
SIGINT or SIGTERM stops after the current step with a checkpoint.
-run DIR resumes the run in DIR with the config it was started with.
-data FILE trains on a .csv or .npy table, an IDX images file or a folder
of PNGs with no config at all: every choice is made from the data and said
at start-up, and the run's config.yaml is the config it amounts to.`)
	configPath := fs.String("config", "", "the run's YAML config `file` (this or -run is required)")
	runDir := fs.String("run", "", "resume the run in this `directory` with its own config.yaml (implies -resume)")
	dataPath := fs.String("data", "", "train on this data `file` (.csv, .npy, IDX) or folder of PNGs with every setting chosen from the data, no config")
	outDir := fs.String("out", "", "with -data: the run `directory` (default runs/<the file's name>)")
	resume := fs.Bool("resume", false, "continue from the run directory's newest valid checkpoint; train.steps may be raised")
	var sets listFlag
	fs.Var(&sets, "set", "override a config key, e.g. -set train.steps=8000 (`key=value`, value parsed as YAML; repeatable)")
	return &command{flags: fs, run: func() error {
		var cfg *configs.Config
		if *dataPath != "" {
			if *configPath != "" || *runDir != "" {
				return fmt.Errorf("give -data FILE (every setting from the data), -config FILE or -run DIR, one of them")
			}
			var err error
			if cfg, err = dataRunConfig(*dataPath, *outDir, sets); err != nil {
				return err
			}
		} else if *outDir != "" {
			return fmt.Errorf("-out goes with -data; with -config, set output.dir")
		} else {
			var err error
			if cfg, err = trainConfig(*configPath, *runDir, sets); err != nil {
				return err
			}
		}
		*resume = *resume || *runDir != ""
		var kept []string
		if *resume { // before the notes and the start-up line name what it keeps
			var err error
			if kept, err = train.KeepRunDefaults(cfg); err != nil {
				return err
			}
		}
		for _, note := range cfg.Notes {
			if len(kept) > 0 && strings.HasPrefix(note, "model.dtype auto:") && !cfg.Model.DtypeAuto {
				continue // the run's own dtype is kept, said below
			}
			fmt.Fprintln(stderr, note)
		}
		for _, k := range kept {
			fmt.Fprintln(stderr, "resuming: keeping "+k)
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
		if err := guardRunDir(cfg); err != nil {
			return err
		}

		fmt.Fprintf(stderr, "training %s, into %s, on %d threads\n", cfg.Describe(), cfg.Output.Dir, gemm.Threads())
		sum, err := train.Fit(ctx, cfg, train.Options{Resume: *resume, Out: stderr, Terminal: terminal})
		if errors.Is(err, train.ErrInterrupted) {
			if _, statErr := os.Stat(rundir.ConfigPath(cfg.Output.Dir)); statErr != nil {
				return fmt.Errorf("%w; nothing was written: run the same command again to start", err)
			}
			return fmt.Errorf("%w; continue with: scorenet train -run %s", err, shellQuote(cfg.Output.Dir))
		}
		if err != nil {
			return err
		}
		if sum.To == sum.From && sum.Stopped != "" {
			fmt.Fprintf(stdout, "nothing to train: run directory %s stopped early at step %d: %s\n", sum.Dir, sum.To, sum.Stopped)
			return nil
		}
		if sum.To == sum.From {
			fmt.Fprintf(stdout, "nothing to train: run directory %s is at step %d of train.steps %d (raise train.steps, e.g. -set train.steps=%d, to continue)\n",
				sum.Dir, sum.To, cfg.Train.Steps, 2*max(sum.To, 1))
			return nil
		}
		if first := sum.Selection; first != nil {
			fmt.Fprintf(stdout, "first training (rows held out, train.refit): %d steps in %.1f s, the length chosen at its step %d; run directory %s\n",
				first.To-first.From, first.Seconds, sum.Refitted.Length, first.Dir)
			if first.Capped != "" {
				fmt.Fprintf(stderr, "note: first training: %s\n", first.Capped)
			}
			fmt.Fprintf(stdout, "then on every row: ")
		}
		fmt.Fprintf(stdout, "trained %d steps in %.1f s (%.2f ms/step)\n", sum.To-sum.From, sum.Seconds, sum.MsPerStep())
		if sum.Stopped != "" {
			fmt.Fprintf(stdout, "stopped early at step %d: %s\n", sum.To, sum.Stopped)
		}
		if sum.Capped != "" {
			fmt.Fprintf(stderr, "note: %s\n", sum.Capped)
		}
		fmt.Fprintf(stdout, "run directory %s; checkpoint %s\n", sum.Dir, sum.Checkpoint)
		return nil
	}}
}

// isNoClass is whether a -set is data.label_column=none, which train
// -data reads as no class column (a config has no such value).
func isNoClass(set string) bool {
	key, value, _ := strings.Cut(set, "=")
	return strings.TrimSpace(key) == "data.label_column" && strings.TrimSpace(value) == "none"
}

// dataRunConfig is the config of train -data FILE: every choice made
// from the data (dataConfig, its class column, and the unet for a table
// of pixels), with the -set overrides, and its notes saying so.
func dataRunConfig(path, out string, sets []string) (*configs.Config, error) {
	// data.label_column none: no class column, the auto one a category.
	noClass := slices.ContainsFunc(sets, isNoClass)
	sets = slices.DeleteFunc(slices.Clone(sets), isNoClass)
	names, err := nameColumns(path, sets)
	if err != nil {
		return nil, err
	}
	var notClass string
	if names.HasClass {
		for _, name := range names.Class.Classes {
			if problem := configs.ClassNameProblem(name); problem != "" && !noClass {
				notClass = fmt.Sprintf("data.label_column auto: none: %s's names would be its classes, but the name %q %s: a category instead", names.Class.Column, name, problem)
				break
			}
		}
		if noClass || notClass != "" {
			names.Categories = append(names.Categories, names.Class.Column)
			names.Why = strings.Join(names.Categories, ", ")
			names.Class, names.HasClass = datasets.ClassColumn{}, false
		}
	}
	class, hasClass := names.Class, names.HasClass
	text, err := dataConfig(path, out, class.Column, names.Categories, names.LeaveOut)
	if err != nil {
		return nil, err
	}
	grid, pixelClass, isImages := pixelTable(text, path, sets)
	if noClass && pixelClass.Column != "" {
		// Its class column kept as a number, the pixels are no square.
		isImages = false
	}
	if pixelClass.Column != "" && len(names.Categories) == 0 && !noClass {
		class, hasClass = pixelClass, true
		if text, err = dataConfig(path, out, class.Column, nil, names.LeaveOut); err != nil {
			return nil, err
		}
	}
	// Parsed in memory: an error names -data and the -set, not a file the
	// user never saw.
	source := "the config of -data " + path
	var cfg *configs.Config
	if isImages {
		asImages := text + fmt.Sprintf("model: {type: unet, shape: [%d, %d, 1]}\n", grid.Side, grid.Side)
		note := fmt.Sprintf("data: the %d columns are %s: model.type unet with model.shape [%d, %d, 1] and the unet's recipe, as for images (-set model.type=mlp for the tables' MLP)",
			grid.Side*grid.Side, grid.Describe(), grid.Side, grid.Side)
		var imagesErr error
		if cfg, imagesErr = configs.Parse([]byte(asImages), source, sets); imagesErr != nil {
			// A -set only the MLP takes (train.loss=exact, an
			// activation): the user's choice, said.
			if cfg, err = configs.Parse([]byte(text), source, sets); err != nil {
				return nil, imagesErr
			}
			note = fmt.Sprintf("data: the %d columns are %s, but the unet cannot take this -set (%v): the tables' MLP trains them",
				grid.Side*grid.Side, grid.Describe(), imagesErr)
		}
		cfg.Notes = append([]string{note}, cfg.Notes...)
	} else if cfg, err = configs.Parse([]byte(text), source, sets); err != nil {
		return nil, err
	}
	if hasClass {
		cfg.Notes = append([]string{fmt.Sprintf("data.label_column auto: %s, each row's class, not a measurement (%s): the model learns the other columns given the class; sample -class K draws class K, and without -class the classes mixed as in the data (-set data.label_column=COLUMN names another, none makes it a category)",
			class.Column, class.Why)}, cfg.Notes...)
	}
	if notClass != "" {
		cfg.Notes = append([]string{notClass}, cfg.Notes...)
	}
	if names.WhyLeftOut != "" {
		cfg.Notes = append([]string{fmt.Sprintf("data.leave_out auto: %s: names or numbers of rows (an id, a person's name, a model), not a few kinds a model could learn, so left out of the data (-set data.leave_out=[] keeps them: a column of names then as an error naming the first name)",
			names.WhyLeftOut)}, cfg.Notes...)
	}
	if names.WhySparse != "" {
		cfg.Notes = append([]string{fmt.Sprintf("data.leave_out auto: %s: missing in more than half the rows, so left out of the data rather than those rows (data.missing: drop); the samples have no such column (-set data.leave_out=[] keeps it, and trains on the rows that have it)",
			names.WhySparse)}, cfg.Notes...)
	}
	if len(names.Categories) > 0 {
		cfg.Notes = append([]string{fmt.Sprintf("data.categories auto: %[2]s hold names, a few kinds each row takes one of: each is learnt as a discrete column of its names' places, the most frequent first (one of more than %[1]d names in binary digits, a 0/1 column each; dates in time, one column however many), and samples carry the names (-set data.label_column=COLUMN makes one the class the model is given instead)",
			datasets.PlaceLevels, names.Why)}, cfg.Notes...)
	}
	return cfg, nil
}

// trainConfig is the config of a train command: the file's, or, with -run,
// the one the run in that directory was started with; either with the -set
// overrides.
func trainConfig(configPath, runDir string, sets []string) (*configs.Config, error) {
	switch {
	case configPath != "" && runDir != "":
		return nil, fmt.Errorf("give -config FILE to start or continue a run, or -run DIR to continue one, not both")
	case runDir != "":
		for _, set := range sets {
			if strings.HasPrefix(strings.TrimSpace(set), "output.dir=") {
				return nil, fmt.Errorf("-set %s: with -run the run's directory is %s; to train a copy elsewhere, copy the directory", set, runDir)
			}
		}
		return rundir.LoadConfig(runDir, append(sets, "output.dir="+runDir))
	case configPath != "":
		return configs.Load(configPath, sets)
	}
	return nil, fmt.Errorf("missing required flag -config (or -run DIR to continue a run; see scorenet train -h)")
}

// shellQuote quotes s for a POSIX shell where it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// pixelTable reports whether the table of train -data is images, one per
// row (a CSV of 8x8 digits' pixels): a convolutional network samples them
// far better than an MLP (scikit-learn's digits as a CSV: a random forest
// told the MLP's samples from held-out rows with accuracy 0.82, the
// unet's 0.56). A
// -set that names the network (model.type, model.hidden, model.residual,
// model.shape) keeps the user's choice. When the pixels come with a
// column of their class first or last (MNIST's CSVs, digits with its
// target) and no data.label_column is given, it is that column too.
//
// The data's keys are read from text (dataConfig's) and the -set of keys
// under data. (data.label_column), before the network's are: a -set of
// the unet's keys (model.channels) is refused by the MLP's config.
func pixelTable(text, path string, sets []string) (datasets.Grid, datasets.ClassColumn, bool) {
	var dataSets []string
	for _, s := range sets {
		key, _, _ := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		switch {
		case key == "model.type" || key == "model.hidden" || key == "model.residual" || key == "model.shape":
			return datasets.Grid{}, datasets.ClassColumn{}, false
		case strings.HasPrefix(key, "data."):
			dataSets = append(dataSets, s)
		}
	}
	cfg, err := configs.Parse([]byte(text), "the config of -data "+path, dataSets)
	if err != nil || cfg.Data.Dataset != "file" {
		return datasets.Grid{}, datasets.ClassColumn{}, false // the config's own parse says what is wrong
	}
	// The first rows tell (PixelGrid measures its correlations on as
	// many): the others, of a CSV or a .npy file, are not read twice,
	// with a label column given or not (a .npy file's were read whole as
	// float64, then again by Prepare). Whatever is wrong with the file,
	// Prepare says, naming the line.
	if cfg.Data.LabelColumn != "" {
		f, _, _, err := datasets.LoadTable(cfg.Data.Path, datasets.Options{Label: cfg.Data.LabelColumn, Want: datasets.Want{Rows: pixelRows}})
		if err != nil {
			return datasets.Grid{}, datasets.ClassColumn{}, false
		}
		grid, ok := datasets.PixelGrid(f.Points)
		return grid, datasets.ClassColumn{}, ok
	}
	f, err := datasets.LoadMissingWant(cfg.Data.Path, datasets.Want{Rows: pixelRows})
	if err != nil {
		return datasets.Grid{}, datasets.ClassColumn{}, false
	}
	if grid, ok := datasets.PixelGrid(f.Points); ok {
		return grid, datasets.ClassColumn{}, true
	}
	return datasets.PixelGridLabelled(f.Points, f.Header)
}

// nameColumns are the columns of names of train -data's table
// (datasets.FindNames): its class column, its categories and its columns
// left out, less what the -set of data.label_column, data.categories or
// data.leave_out says of a column (the user's word on it wins, and a
// list set replaces the one found).
func nameColumns(path string, sets []string) (datasets.NameColumns, error) {
	found, err := datasets.FindNames(path, pixelRows)
	if err != nil {
		return datasets.NameColumns{}, nil // a file that cannot be read: Prepare says why, naming the line
	}
	var dataSets []string
	for _, s := range sets {
		if key, _, _ := strings.Cut(s, "="); strings.HasPrefix(strings.TrimSpace(key), "data.") {
			dataSets = append(dataSets, s)
		}
	}
	if len(dataSets) == 0 {
		return found, nil
	}
	user, err := configs.Parse([]byte("name: data\ndata: {dataset: file, path: "+strconv.Quote(path)+"}\n"), "-set", dataSets)
	if err != nil {
		return found, nil // the run's own parse says what is wrong
	}
	d := user.Data
	named := append(slices.Clone(d.LeaveOut), d.LabelColumn)
	for _, c := range d.Categories {
		named = append(named, c.Column)
	}
	mentioned := func(c string) bool {
		return slices.ContainsFunc(named, func(n string) bool { return n != "" && found.Same(c, n) })
	}
	if d.LabelColumn != "" {
		if found.HasClass && !mentioned(found.Class.Column) {
			found.Categories = append(found.Categories, found.Class.Column)
		}
		found.Class, found.HasClass = datasets.ClassColumn{}, false
	}
	if found.HasClass && mentioned(found.Class.Column) {
		found.Class, found.HasClass = datasets.ClassColumn{}, false
	}
	cats, left, sparse := len(found.Categories), len(found.LeaveOut), len(found.Sparse)
	found.Categories = slices.DeleteFunc(found.Categories, mentioned)
	found.LeaveOut = slices.DeleteFunc(found.LeaveOut, mentioned)
	found.Sparse = slices.DeleteFunc(found.Sparse, mentioned)
	for _, s := range dataSets {
		switch key, _, _ := strings.Cut(s, "="); strings.TrimSpace(key) {
		case "data.categories":
			found.Categories = nil
		case "data.leave_out":
			found.LeaveOut, found.Sparse = nil, nil
		}
	}
	if len(found.Categories) != cats || d.LabelColumn != "" {
		found.Why = strings.Join(found.Categories, ", ")
	}
	if len(found.Sparse) != sparse {
		found.WhySparse = strings.Join(found.Sparse, ", ")
	}
	if len(found.LeaveOut)-len(found.Sparse) != left-sparse {
		found.WhyLeftOut = strings.Join(slices.DeleteFunc(slices.Clone(found.LeaveOut), func(c string) bool { return slices.Contains(found.Sparse, c) }), ", ")
	}
	return found, nil
}

// pixelRows are the rows of a table pixelTable reads.
const pixelRows = 2000

// pandasReader is the pandas reader of a file of extension ext.
func pandasReader(ext string) string {
	switch ext {
	case ".xlsx", ".xls", ".ods":
		return "excel"
	case ".arrow":
		return "feather"
	}
	return strings.TrimPrefix(ext, ".")
}

// dataConfig is the config of train -data: the data set, its class
// column if it has one, and where the run goes, nothing else, so that
// every other key takes the default the data's kind gives it.
func dataConfig(path, out, labelColumn string, categories, leaveOut []string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("-data %s: %w", path, err)
	}
	name := strings.ToLower(filepath.Base(filepath.Clean(path)))
	for _, ext := range []string{".gz", ".csv", ".npy", "-ubyte", "-idx3", "-idx1"} {
		name = strings.TrimSuffix(name, ext)
	}
	name = strings.Trim(regexp.MustCompile(`[^a-z0-9_]+`).ReplaceAllString(name, "_"), "_")
	if name == "" {
		name = "data"
	}
	dataset := "file"
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case info.IsDir():
		dataset = "images"
	case ext == ".csv" || ext == ".npy":
	case strings.Contains(filepath.Base(path), "idx") || strings.Contains(filepath.Base(path), "-ubyte"):
		dataset = "idx"
	case ext == ".tsv" || ext == ".tab" || ext == ".txt" || ext == ".dat" || ext == ".data":
		return "", fmt.Errorf("-data %s: a table is read from a .csv (its cells separated by commas, semicolons or tabs: a %s file of such cells reads as one named .csv), a .npy, an IDX file or a folder of PNGs", path, ext)
	case ext == ".gz" || ext == ".bz2" || ext == ".xz" || ext == ".zst":
		return "", fmt.Errorf("-data %s: a compressed table is read once decompressed (gunzip, bunzip2, unxz or unzstd it to a .csv or .npy); only IDX files are read compressed", path)
	case ext == ".json" || ext == ".parquet" || ext == ".arrow" || ext == ".feather" || ext == ".xlsx" || ext == ".xls" || ext == ".ods":
		return "", fmt.Errorf("-data %s: a table is read from a .csv, a .npy, an IDX file or a folder of PNGs, not a %s file: write it as a CSV first (pandas: pd.read_%s(%q).to_csv(\"table.csv\", index=False))", path, ext, pandasReader(ext), path)
	}
	if out == "" {
		out = filepath.Join("runs", name)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	label := ""
	if labelColumn != "" {
		label = ", label_column: " + strconv.Quote(labelColumn)
	}
	if len(categories) > 0 {
		var cols []string
		for _, c := range categories {
			cols = append(cols, "{column: "+strconv.Quote(c)+"}")
		}
		label += ", categories: [" + strings.Join(cols, ", ") + "]"
	}
	if len(leaveOut) > 0 {
		var cols []string
		for _, c := range leaveOut {
			cols = append(cols, strconv.Quote(c))
		}
		label += ", leave_out: [" + strings.Join(cols, ", ") + "]"
	}
	return fmt.Sprintf("name: %s\ndata: {dataset: %s, path: %s%s}\noutput: {dir: %s}\n", name, dataset, strconv.Quote(abs), label, strconv.Quote(out)), nil
}
