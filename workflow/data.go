package workflow

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/density"
	"scorenet/internal/memlimit"
	"scorenet/internal/seeds"
	"scorenet/points"
	"scorenet/rundir"
)

// Data is a run's data, split and in the units the model sees.
type Data struct {
	Discrete     Discrete            // a table's discrete columns, dequantised in Train and Valid
	Ends         datasets.Ends       // point masses at a table's column ends, which samples beyond are put on
	Whole        datasets.Whole      // a table's continuous columns of whole numbers, which samples are rounded to
	Places       datasets.Places     // a table's columns written to a few decimal places, which samples are rounded to
	Heaps        datasets.Heaps      // a table's columns a share of whose values are whole numbers, which that share of samples is rounded to
	Holdout      float64             // the fraction held out: data.holdout, or chosen for its auto
	Train, Valid points.Points       // standardised when the config asks for it
	Norm         datasets.Normalizer // maps data units to model units
	Density      density.Density     // the true density in data units, or nil
	Digest       rundir.Digest       // of all the points, before the split
	MaxAbs       float64             // the largest |x_j| of the training split, in model units
	Moments      rundir.DataMoments  // of the training split, in model units
	Source       string              // what was read or drawn, for people
	// HeldOutPath names the file Valid was read from where eval was given
	// one (Run.HeldOutFrom); "" for the run's own held-out split.
	HeldOutPath string
	// Warnings are what reading the data found that changes what the
	// model learns from the file (File.DropBias), for train to warn of
	// and the verdict to repeat.
	Warnings []string
	Image    datasets.Image // the shape of image data; zero otherwise
	// Classes is K for labelled data (data.labels, data.label_column), 0
	// otherwise; TrainLabels and ValidLabels are the labels of Train's and
	// Valid's points, 0..K-1.
	Classes                  int
	ClassNames               []string // where the data name the classes: the image folders'
	TrainLabels, ValidLabels []int32
	// Categories are a table's columns of names (data.categories), with
	// their levels, as read.
	Categories []datasets.Category
	// Columns are the learnt columns' names, where a CSV's header gives
	// them; nil otherwise.
	Columns []string
	// ValidBeyond marks the held-out rows with a value beyond a
	// quantile-mapped column's training range (nil for none): the map
	// holds it at the range's end, where the model has a density the row
	// does not.
	ValidBeyond []bool
}

// Categories are the config's data.categories as the reader takes them.
func Categories(cats []configs.Category) []datasets.Category {
	var out []datasets.Category
	for _, c := range cats {
		out = append(out, datasets.Category{Column: c.Column, Levels: c.Levels, Index: c.Index, Bits: c.Bits, Follows: c.Follows, FollowLevels: c.FollowLevels, Unseen: c.Unseen})
	}
	return out
}

// NamedColumns are the levels of a run's category columns by their place
// among its values, for writing its samples' names (datasets.WriteNamed)
// once ValueRows has put them in their places; nil for a run without.
func NamedColumns(cfg *configs.Config) datasets.Named {
	return datasets.NamedOf(Categories(cfg.Data.Categories))
}

// ValueRows are rows of a run's model columns (samples, imputed rows, in
// data units) as a file holds them: each category learnt in binary digits
// back to its level's place, one column (datasets.ContractBits). Rows of
// a run without such a category are returned as they are.
func ValueRows(cfg *configs.Config, p points.Points) points.Points {
	return datasets.ContractBits(p, Categories(cfg.Data.Categories))
}

// SampleRows are samples' ValueRows with each category that follows
// another set from it (datasets.ApplyFollows), in a copy.
func SampleRows(cfg *configs.Config, p points.Points) points.Points {
	return followedRows(cfg, p, nil)
}

// ImputedRows are impute's completed rows as ValueRows, with each
// following category that the given row left missing set from the one it
// follows (its given cells are the user's); given are the rows as read,
// NaN where missing, each completed by per rows of filled in turn.
func ImputedRows(cfg *configs.Config, filled, given points.Points, per int) points.Points {
	if per < 1 {
		return ValueRows(cfg, filled)
	}
	asked := ValueRows(cfg, given)
	return followedRows(cfg, filled, func(i, col int) bool { return math.IsNaN(asked.X[(i/per)*asked.D+col]) })
}

// followedRows is p's ValueRows with each following category set from the
// one it follows in the cells open allows (every cell for nil), in a copy
// where there is one to set.
func followedRows(cfg *configs.Config, p points.Points, open func(row, col int) bool) points.Points {
	cats := Categories(cfg.Data.Categories)
	rows := ValueRows(cfg, p)
	if !datasets.HasFollows(cats) {
		return rows
	}
	if !datasets.HasBits(cats) { // ValueRows returned p itself
		rows = points.Points{N: rows.N, D: rows.D, X: slices.Clone(rows.X)}
	}
	datasets.ApplyFollows(rows, cats, open)
	return rows
}

// ValueSpread is ValueRows for impute's spreads of the draws: a category
// learnt in binary digits gets its digits' largest, 0 where every draw
// gave the same level.
func ValueSpread(cfg *configs.Config, spread points.Points) points.Points {
	cats := Categories(cfg.Data.Categories)
	if !datasets.HasBits(cats) {
		return spread
	}
	out := points.New(spread.N, datasets.ValueColumns(cats, spread.D))
	for i := range spread.N {
		row, to := spread.Row(i), out.Row(i)
		for j := range out.D {
			m, width := datasets.ModelColumn(cats, j), 1
			if c, ok := datasets.BitsAt(cats, j); ok {
				width = c.Width()
			}
			to[j] = slices.Max(row[m : m+width])
		}
	}
	return out
}

// ReadRows reads the points of a .csv or .npy file for a run's model, a
// row's names in the run's category columns (data.categories) read as
// their levels' places and its data.leave_out left out, as the run was
// trained.
func ReadRows(run *Run, path string) (points.Points, error) {
	rows, err := readRows(run, path, false, false)
	return rows.Points, err
}

// ReadClassedRows is ReadRows with each row's class, as the run numbers
// its classes, where the run is class-conditional and the file holds its
// class column (its training file, its samples); nil otherwise. A class
// the run has not is refused: ReadRows, for readers that do without the
// class, takes it out unread. A missing value (an empty cell, NA, NaN, ?)
// is read as NaN, and a missing class as -1, and so is a name that is no
// level of its category column (a held-out file's new pollster), counted
// in UnknownNames: score and likelihood leave such a row's results empty
// rather than refuse the file.
func ReadClassedRows(run *Run, path string) (ClassedRows, error) {
	return readRows(run, path, true, true)
}

// ClassedRows are rows read for a run (ReadClassedRows): their values,
// their classes (nil for none), and how many cells held a name no level
// holds, read as missing, and where the first was.
type ClassedRows struct {
	points.Points
	Labels       []int32
	UnknownNames int
	FirstUnknown string
	// UnknownClasses count the rows whose class is a name the run has
	// not, read as -1 (no class), and FirstUnknownClass names the first.
	UnknownClasses    int
	FirstUnknownClass string
}

// UnknownNote says, for a refusal of rows none of which is complete, that
// names no level holds were read as missing too; "" where none was.
func (r ClassedRows) UnknownNote() string {
	var s string
	if r.UnknownNames > 0 {
		s = fmt.Sprintf(", or a name that is no level of its category column, read as missing (the first, %s)", r.FirstUnknown)
	}
	if r.UnknownClasses > 0 {
		s += fmt.Sprintf(", or a class the run has not (the first, %s)", r.FirstUnknownClass)
	}
	return s
}

func readRows(run *Run, path string, classes, missing bool) (ClassedRows, error) {
	var unknown *unknownClasses
	if missing {
		unknown = &unknownClasses{} // score's and likelihood's rows, which leave them empty
	}
	if f, labels, ok, err := labelledRows(run, path, missing, classes, unknown); err != nil || ok {
		if err == nil {
			err = CheckHeader(run, path, f)
		}
		rows := ClassedRows{Points: f.Points, Labels: labels, UnknownNames: f.UnknownNames, FirstUnknown: f.FirstUnknown}
		if unknown != nil {
			rows.UnknownClasses, rows.FirstUnknownClass = unknown.n, unknown.first
		}
		return rows, err
	}
	o := RowsOptions(run, missing)
	o.UnknownMissing = missing && classes // score's and likelihood's rows, which leave them empty
	f, _, _, err := datasets.LoadTable(path, o)
	if err == nil && datasets.HasBits(o.Categories) && f.D != run.Model.Dim() {
		// Counted as the file holds them: the caller's count would be of
		// the categories' binary digits.
		return ClassedRows{}, fmt.Errorf("%s has %d columns, the run's rows have %d (a category one)", path, datasets.ValueColumns(o.Categories, f.D), datasets.ValueColumns(o.Categories, run.Model.Dim()))
	}
	if err == nil && f.D == run.Model.Dim() {
		err = CheckHeader(run, path, f) // a count that differs is the caller's to name
	}
	return ClassedRows{Points: f.Points, UnknownNames: f.UnknownNames, FirstUnknown: f.FirstUnknown}, err
}

// CheckHeader refuses a file of rows for a run whose header names other
// columns than the run learnt, or names them in another order: values are
// read by their place, so a header "y,x" under a run of x and y would give
// x the values of y, and a completion written under the file's header
// would put x's under y. Without a header, or a run that recorded none,
// the place is all there is to go by.
func CheckHeader(run *Run, path string, f datasets.File) error {
	want := run.Config.Data.Columns
	if f.Header == nil || len(want) == 0 || slices.Equal(f.Header, want) {
		return nil
	}
	for i := range min(len(want), len(f.Header)) {
		if f.Header[i] != want[i] && strings.EqualFold(f.Header[i], want[i]) {
			return fmt.Errorf("%s: its header names %q where the run's column %d is %q: names are matched as the run's header wrote them, case too; write it so", path, f.Header[i], i+1, want[i])
		}
		if f.Header[i] != want[i] {
			return fmt.Errorf("%s: its header names %q where the run's column %d is %q (the run's columns, in order: %s): rows are read by their place, so write the columns in the run's order", path, f.Header[i], i+1, want[i], listColumns(want))
		}
	}
	return fmt.Errorf("%s: its header names %d columns, the run learnt %d: %s", path, len(f.Header), len(want), listColumns(want))
}

// LabelledRows reads the rows of a class-conditional table run from a
// file that holds its class column too (the file it trained on, its
// samples), the class column taken out, missing values read where
// missing says; ok is false where the file does not hold it (the plain
// reader then says what is wrong with the file). A name that is no level
// of a category is the error: the file is the run's kind, its cell is
// not.
func LabelledRows(run *Run, path string, missing bool) (datasets.File, RowClasses, bool, error) {
	f, labels, names, ok, err := readLabelled(run, path, missing)
	if !ok || err != nil {
		return f, RowClasses{}, ok, err
	}
	rc := RowClasses{Of: make([]int32, len(labels.Of)), Cells: make([]string, len(labels.Of)), Column: cmp.Or(f.LabelName, run.Config.Data.LabelColumn), At: f.LabelAt()}
	var unknown unknownClasses
	for i, y := range labels.Of {
		rc.Of[i] = -1
		switch {
		case y < 0:
		case names != nil:
			rc.Cells[i] = names[y]
			if k := slices.Index(run.Config.Model.ClassNames, names[y]); k >= 0 {
				rc.Of[i] = int32(k)
			} else {
				unknown.add(labels.Where(i), rc.Cells[i])
			}
		default:
			rc.Cells[i] = strconv.Itoa(int(y))
			if len(run.Config.Model.ClassNames) == 0 && int(y) < run.Config.Model.Classes {
				rc.Of[i] = y
			} else {
				unknown.add(labels.Where(i), rc.Cells[i])
			}
		}
	}
	rc.Unknown, rc.FirstUnknown = unknown.n, unknown.first
	return f, rc, true, nil
}

// RowClasses are the classes of rows read with the run's class column
// (LabelledRows): each row's as the run numbers them (-1 for a missing
// one), written as the run names them ("" for a missing one), the
// column's header name or number, and how many value columns it stands
// after in the file.
type RowClasses struct {
	Of     []int32
	Cells  []string
	Column string
	At     int
	// Unknown counts the rows whose class is none of the run's: -1 in
	// Of, written back as given; FirstUnknown names the first.
	Unknown      int
	FirstUnknown string
}

// labelledRows is LabelledRows with, where classes asks, the rows'
// classes as the run numbers them (-1 for a missing one, where missing
// values are read), a class the run has not refused; impute, which draws
// without the class, asks for none.
func labelledRows(run *Run, path string, missing, classes bool, unknown *unknownClasses) (datasets.File, []int32, bool, error) {
	f, labels, names, ok, err := readLabelled(run, path, missing)
	if !ok || err != nil || !classes {
		return f, nil, ok, err
	}
	of, err := runClasses(run, f, labels, names, unknown)
	return f, of, err == nil, err
}

// unknownClasses counts the class names a file holds that the run has
// not, and names the first.
type unknownClasses struct {
	n     int
	first string
}

// add counts the class name at where (a line), the first named.
func (u *unknownClasses) add(where, name string) {
	if u.n == 0 {
		u.first = fmt.Sprintf("%s: %q", where, name)
	}
	u.n++
}

// readLabelled reads a file of rows with the run's class column, the
// classes as the file numbers them among its names (nil for numbers);
// ok is false where the file does not hold the column.
func readLabelled(run *Run, path string, missing bool) (datasets.File, datasets.Labels, []string, bool, error) {
	column := run.Config.Data.LabelColumn
	if column == "" {
		return datasets.File{}, datasets.Labels{}, nil, false, nil
	}
	o := RowsOptions(run, missing)
	o.Label = column           // a table with its class column: Width does not apply
	o.UnknownMissing = missing // impute's rows, and score's and likelihood's, which leave them empty
	f, labels, names, err := datasets.LoadTable(path, o)
	if errors.Is(err, datasets.ErrNotALevel) || errors.Is(err, datasets.ErrMissingLabel) || holdsLabel(err) {
		return datasets.File{}, datasets.Labels{}, nil, false, err
	}
	if err != nil || f.D != run.Model.Dim() {
		return f, datasets.Labels{}, nil, false, nil
	}
	return f, labels, names, true, nil
}

// runClasses renumbers a file's labels (numbered among the names the file
// holds) as the run numbers its classes, refusing a class it has not, or,
// where unknown is given, a name the run has not counted there and read
// as -1, no class.
func runClasses(run *Run, f datasets.File, labels datasets.Labels, names []string, unknown *unknownClasses) ([]int32, error) {
	column, known := run.Config.Data.LabelColumn, run.Config.Model.ClassNames
	out := make([]int32, len(labels.Of))
	for i, y := range labels.Of {
		switch {
		case y < 0:
			out[i] = -1
		case names == nil && len(known) > 0:
			return nil, fmt.Errorf("%s: %s: class %d is a number, but the run's classes (column %s) are names: %s", f.Path, labels.Where(i), y, column, listColumns(known))
		case names == nil && int(y) >= run.Config.Model.Classes:
			return nil, fmt.Errorf("%s: %s: class %d, but the run learnt classes 0 to %d (column %s)", f.Path, labels.Where(i), y, run.Config.Model.Classes-1, column)
		case names == nil:
			out[i] = y
		case len(known) == 0:
			return nil, fmt.Errorf("%s: %s: class %q is a name, but the run's classes (column %s) are numbers, 0 to %d", f.Path, labels.Where(i), names[y], column, run.Config.Model.Classes-1)
		default:
			k := slices.Index(known, names[y])
			if k < 0 && unknown != nil {
				unknown.add(labels.Where(i), names[y])
				out[i] = -1
				continue
			}
			if k < 0 {
				return nil, fmt.Errorf("%s: %s: class %q is none of the run's (column %s): %s", f.Path, labels.Where(i), names[y], column, listColumns(known))
			}
			out[i] = int32(k)
		}
	}
	return out, nil
}

// RowsOptions are the reader's options for a file of rows for a run's
// model, its missing values read where missing says: the run's
// categories and columns left out, except in a .npy file (numbers only,
// as the run's samples are written) and in a file the run wrote (its
// samples, its completed rows: datasets.Options.Width).
//
// Rows read with their missing values are rows to complete (impute's): a
// category's name that is no level of it is read as one more missing
// value (datasets.Options.UnknownMissing), the rest of its row kept.
func RowsOptions(run *Run, missing bool) datasets.Options {
	return datasets.Options{Missing: missing, UnknownMissing: missing, Width: run.Model.Dim(), Categories: Categories(run.Config.Data.Categories), LeaveOut: run.Config.Data.LeaveOut,
		Want: datasets.Want{Columns: run.Config.Data.Columns, ForRun: true}}
}

// CategoriesRead are the categories as read, for the run's config.yaml:
// their levels, and their places among the values.
func CategoriesRead(cols []datasets.Category) []configs.Category {
	var out []configs.Category
	for _, c := range cols {
		out = append(out, configs.Category{Column: c.Column, Levels: c.Levels, Index: c.Index, Bits: c.Bits, Follows: c.Follows, FollowLevels: c.FollowLevels, Unseen: c.Unseen})
	}
	return out
}

// dropIncomplete leaves out f's rows with a missing value (data.missing:
// drop), refusing to leave no rows, or a class without its rows.
func dropIncomplete(f *datasets.File, labels *datasets.Labels, classNames []string) error {
	var before []int
	if labels.Of != nil {
		before = labels.Counts()
	}
	datasets.DropIncomplete(f, labels)
	if f.N == 0 {
		return fmt.Errorf("datasets: %s: every one of its %d rows has a missing value (an empty cell, NA, NaN or ?): nothing is left to learn", f.Path, len(f.Dropped))
	}
	if before == nil {
		return nil
	}
	after := labels.Counts()
	for y, n := range before {
		if n > 0 && after[y] == 0 {
			name := fmt.Sprint(y)
			if y < len(classNames) {
				name = fmt.Sprintf("%s (%d)", classNames[y], y)
			}
			return fmt.Errorf("datasets: %s: every one of class %s's %d rows has a missing value (an empty cell, NA, NaN or ?), and data.missing: drop would leave the class without rows: fill them in, or leave the class's rows out of the file", f.Path, name, n)
		}
	}
	return nil
}

// prepareSpare is the bytes a value of a data file that what follows its
// reading needs: the split's shuffle, the discrete columns' counts, and
// training's copy of the rows in data units (train.nearness) and the
// figures' of a share of them, about as much again. prepareThen says so
// in the reader's refusal.
const (
	prepareSpare = 8
	prepareThen  = "as much again to prepare the data for training"
)

// Prepare generates or reads the config's data set, splits off the
// held-out fraction and standardises both parts with the training part's
// statistics. The same config always gives the same Data.
func Prepare(cfg *configs.Config) (*Data, error) {
	d := cfg.Data
	var (
		all    points.Points
		dens   density.Density
		source string
		err    error
	)
	var shape datasets.Image
	var labels datasets.Labels
	var classNames []string // the classes' names, where the data name them
	var categories []datasets.Category
	var columns []string
	var warnings []string
	switch d.Dataset {
	case "file":
		var f datasets.File
		drop := d.Missing == "drop"
		// The reader asks the memory budget for what follows the
		// reading too (prepareSpare), before it allocates.
		want := datasets.Want{Spare: prepareSpare, Then: prepareThen}
		f, labels, classNames, err = datasets.LoadTable(d.Path, datasets.Options{Missing: drop, Label: d.LabelColumn, Categories: Categories(d.Categories), LeaveOut: d.LeaveOut, Want: want, UnseenMissing: true})
		if err == nil && drop {
			err = dropIncomplete(&f, &labels, classNames)
		}
		if w := f.DropBias(); err == nil && w != "" {
			warnings = append(warnings, w)
		}
		all, source, categories = f.Points, f.Describe(), f.Categories
		switch {
		case err != nil || len(categories) < 2:
		case !slices.ContainsFunc(d.Categories, func(c configs.Category) bool { return len(c.Levels) > 0 }): // levels found in the file
			datasets.FindFollows(datasets.ContractBits(all, categories), categories)
			if datasets.HasFollows(categories) {
				source += "; " + datasets.DescribeFollows(categories)
			}
		default: // a run's (a refit's, a resumed one's): as it records them
			for k := range categories {
				if i := slices.IndexFunc(d.Categories, func(c configs.Category) bool { return c.Column == categories[k].Column }); i >= 0 {
					categories[k].Follows, categories[k].FollowLevels = d.Categories[i].Follows, d.Categories[i].FollowLevels
				}
			}
		}
		if len(f.Header) == datasets.ValueColumns(f.Categories, f.D) {
			columns = f.Header
		}
	case "idx", "images":
		if d.Dataset == "idx" && d.Labels != "" {
			// The labels first: a wrong label file is found before the
			// images are read.
			var n int
			if n, _, err = datasets.IDXShape(d.Path); err == nil {
				labels, err = datasets.LoadIDXLabelsFor(d.Labels, n, d.Path)
			}
			if err != nil {
				return nil, err
			}
		}
		switch {
		case d.Dataset == "idx":
			all, shape, err = datasets.LoadIDX(d.Path)
		case d.Labels == "folders":
			all, shape, labels, classNames, err = datasets.LoadPNGFolders(d.Path)
		default:
			all, shape, _, err = datasets.LoadPNGDir(d.Path)
		}
		if err == nil {
			datasets.Scale8Bit(all, d.Dequantize, seeds.New(cfg.Seed, seeds.Data))
			how := "v/255"
			if d.Dequantize {
				how = "(v + u)/256, u uniform (dequantised)"
			}
			source = fmt.Sprintf("%d images of %s from %s, pixels scaled to [0, 1] as %s", all.N, shape.Describe(), d.Path, how)
		}
	default:
		// The points, and the split's copy of them.
		if err = memlimit.Check(16*float64(d.N)*float64(configs.DataDim(d)), fmt.Sprintf("data.n: %d points of dimension %d", d.N, configs.DataDim(d))); err != nil {
			return nil, err
		}
		all, dens, err = datasets.Generate(datasets.Spec{
			Name: d.Dataset, N: d.N, Mean: d.Mean, Cov: d.Cov,
			Means: d.Means, Weights: d.Weights, Std: d.Std, Noise: d.Noise,
		}, seeds.New(cfg.Seed, seeds.Data))
		source = fmt.Sprintf("%d points of dimension %d drawn from %s", all.N, all.D, d.Dataset)
	}
	if err != nil {
		return nil, err
	}
	if labels.Of != nil {
		if err := checkClasses(cfg, labels, classNames); err != nil {
			return nil, err
		}
		source += fmt.Sprintf("; %d class%s", labels.K, map[bool]string{true: "", false: "es"}[labels.K == 1])
	}
	// What follows the reading needs about as much again (prepareSpare):
	// refused now, in one line, rather than by the Go runtime's "out of
	// memory" part-way. A table's reader asked for it before reading (a
	// CSV's for the values so far as they grew); images' readers did not.
	if d.FromFile() {
		if err := memlimit.Check(prepareSpare*float64(len(all.X)), fmt.Sprintf("preparing %s for training", source)); err != nil {
			return nil, err
		}
	}
	// Values beyond MaxScale overflow the standardisation's squares (or,
	// unstandardised, the losses'), and the run would fail at its first
	// checkpoint, after its work: say so now, naming the value.
	for i, v := range all.X {
		if !(math.Abs(v) <= configs.MaxScale) {
			return nil, fmt.Errorf("workflow: %s: row %d, column %d: %v is beyond ±%g, where squares of the values overflow; rescale the column", source, i/all.D+1, i%all.D+1, v, configs.MaxScale)
		}
	}
	digest := rundir.DigestOfLabelled(all, labels.Of)
	var discrete Discrete
	var ends datasets.Ends
	var whole datasets.Whole
	var places datasets.Places
	var heaps datasets.Heaps
	var gaps map[int]float64 // data.discrete_gap's columns and factors
	var valleys []int        // discrete columns whose rare values lie between common ones
	spread := discreteSpread(cfg)
	if d.Dataset == "file" && d.Discrete != "none" {
		most := cfg.Data.DiscreteValues
		if most == 0 { // a config made in code, not parsed
			most = configs.DefaultDiscreteValues
		}
		discrete = FindDiscrete(all, most)
		discrete = discrete.addCategories(all, categories)
		if cfg.Data.Valleys() && d.Quantile == "auto" {
			most := cfg.Data.ValleyLevels
			if most == 0 { // a config made in code, not parsed
				most = configs.DefaultValleyLevels
			}
			valleys = discrete.valleys(all, most)
		}
		// In data units, before any dequantising; the walls of a column
		// whose samples are rounded stand at its end value's cell's edge.
		whole, places = datasets.FindWhole(all, discrete), datasets.FindPlaces(all, discrete)
		if ends = datasets.FindEnds(all, discrete, datasets.Rounding(whole, places)); !ends.Empty() {
			source += "; " + ends.Describe(all, categories, columns)
		}
		if len(whole) > 0 {
			source += "; " + describeWhole(whole, categories, columns)
		}
		if len(places) > 0 {
			source += "; " + places.Describe(categories, columns)
		}
		if heaps = datasets.FindHeaps(all, discrete, whole, places); len(heaps) > 0 {
			source += "; " + heaps.Describe(categories, columns)
		}
		if len(discrete) > 0 {
			discrete.Dequantize(all, spread, seeds.New(cfg.Seed, seeds.Dequantize))
			source += "; " + discrete.Describe(spread, categories, columns)
		}
		// From every row in the file's order, before the split: a refit's
		// two trainings widen by the same factors.
		if d.Standardize {
			if gaps = discrete.gapFactors(all, discreteGap(cfg), categories); len(gaps) > 0 {
				source += "; " + describeGaps(discrete, gaps, discreteGap(cfg), categories, columns)
			}
		}
	} else if len(categories) > 0 {
		// data.discrete: none leaves the numbers continuous, not the names.
		discrete = Discrete(nil).addCategories(all, categories)
		discrete.Dequantize(all, spread, seeds.New(cfg.Seed, seeds.Dequantize))
		source += "; " + discrete.Describe(spread, categories, columns)
	}
	// The data are held once: split and standardised in their own storage.
	holdout := d.Holdout
	if d.HoldoutAuto {
		holdout = AutoHoldout(all.N)
	}
	trainPts, valid, trainLabels, validLabels, err := datasets.SplitInPlaceLabelled(all, labels.Of, holdout, seeds.New(cfg.Seed, seeds.Split))
	if err != nil {
		return nil, err
	}
	if labels.Of != nil {
		if err := checkTrainingClasses(cfg, holdout, labels, trainLabels, classNames); err != nil {
			return nil, err
		}
	}
	norm := datasets.Identity(all.D)
	var quantiles map[int]datasets.Knots
	var validBeyond []bool
	if d.Quantile == "auto" {
		var skews map[int]float64
		var masses []int
		if cfg.Data.Masses() {
			masses = endMasses(all, ends, minMappedMass)
		}
		quantiles, skews, validBeyond = mapQuantiles(trainPts, valid, gaps, append(slices.Clone(valleys), masses...), seeds.New(cfg.Seed, seeds.QuantileTies))
		if len(quantiles) > 0 {
			source += "; " + describeQuantiles(quantiles, skews, masses, categories, columns)
			// The map goes by the rows' ranks, which a narrower spread
			// leaves as they were: the values' shares fill a normal,
			// which has no edge to blur.
			if mapped := discrete.among(quantiles); mapped > 0 && spread < 1 {
				source += fmt.Sprintf("; %d of them discrete, whose rows fill each value's share of the normal whatever data.discrete_spread", mapped)
			}
		}
	}
	if d.Standardize {
		norm = datasets.FitNormalizer(trainPts)
		// The bounds every checkpoint's standardisation is read back with
		// (rundir): a column that varies by less would train to a run
		// that no reader opens.
		for j, sd := range norm.Std {
			if sd < rundir.MinStd {
				return nil, fmt.Errorf("workflow: %s: column %s has standard deviation %.3g, below %g: standardising it would scale it by more than %g; rescale the column (or drop it)", source, datasets.ColumnLabel(categories, columns, j), sd, rundir.MinStd, 1/rundir.MinStd)
			}
		}
		for j, f := range gaps {
			norm.Std[j] /= f
		}
		norm.StandardizeInPlace(all) // the mapped columns hold their normal scores already
	}
	norm.Quantiles = quantiles
	maxAbs := 0.0
	for _, v := range trainPts.X {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	moments := rundir.MomentsOf(trainPts)
	if labels.K > 0 {
		moments.ByClass = rundir.MomentsByClass(trainPts, trainLabels, labels.K)
	}
	return &Data{Discrete: discrete, Ends: ends, Whole: whole, Places: places, Heaps: heaps, Holdout: holdout, Train: trainPts, Valid: valid, ValidBeyond: validBeyond, Norm: norm, Density: dens, Digest: digest, MaxAbs: maxAbs, Moments: moments, Source: source, Warnings: warnings, Image: shape,
		Classes: labels.K, ClassNames: classNames, TrainLabels: trainLabels, ValidLabels: validLabels, Categories: categories, Columns: columns}, nil
}

// checkClasses refuses labels a run cannot take: more classes than the
// model was made for (a resumed run's model.classes), or a class no point
// has (a label past a gap), naming where the labels came from and the
// first row whose label is out of range.
func checkClasses(cfg *configs.Config, l datasets.Labels, names []string) error {
	from := labelSource(cfg.Data)
	firstAbove := func(k int) int { // the first point of a label >= k
		for i, y := range l.Of {
			if int(y) >= k {
				return i
			}
		}
		return 0
	}
	if k := cfg.Model.Classes; k > 0 && l.K > k {
		i := firstAbove(k)
		return fmt.Errorf("workflow: %s: %s has label %d, the run's model has %d classes, 0 to %d (model.classes)", from, l.Where(i), l.Of[i], k, k-1)
	}
	if k := cfg.Model.Classes; k > l.K {
		return fmt.Errorf("workflow: %s: the labels have %d classes (0 to %d), model.classes is %d: leave model.classes out, it is set from the labels", from, l.K, l.K-1, k)
	}
	for i, n := range names {
		if p := configs.ClassNameProblem(n); p != "" {
			return fmt.Errorf("workflow: %s: class %d's name %q %s: rename it", from, i, n, p)
		}
	}
	if given := cfg.Model.ClassNames; len(given) > 0 && names != nil && !slices.Equal(given, names) {
		return fmt.Errorf("workflow: %s: the labels name the classes %s, model.class_names %s: leave model.class_names out, it is set from the labels", from, strings.Join(names, ", "), strings.Join(given, ", "))
	}
	for y, n := range l.Counts() {
		if n == 0 {
			i := firstAbove(y)
			return fmt.Errorf("workflow: %s: class %d has no point, though %s has label %d: number the classes from 0 without gaps", from, y, l.Where(i), l.Of[i])
		}
	}
	return nil
}

// labelSource names where a run's labels come from, for errors.
func labelSource(d configs.Data) string {
	switch {
	case d.Dataset == "file":
		return fmt.Sprintf("%s (data.label_column %s)", d.Path, d.LabelColumn)
	case d.Labels == "folders":
		return d.Path + " (its class folders)"
	}
	return d.Labels
}

// MinClassPoints is the fewest training points a class may have: one
// point has no spread to learn, and a class's verdict none to compare.
const MinClassPoints = 2

// checkTrainingClasses refuses a split that leaves a class too few
// training points to learn from.
func checkTrainingClasses(cfg *configs.Config, holdout float64, l datasets.Labels, trainLabels []int32, names []string) error {
	all := l.Counts()
	for y, n := range (datasets.Labels{Of: trainLabels, K: l.K}).Counts() {
		if n >= MinClassPoints {
			continue
		}
		name := ""
		if y < len(names) {
			name = " (" + names[y] + ")"
		}
		of := fmt.Sprintf("%d points", all[y])
		if all[y] == 1 {
			of = "1 point"
		}
		return fmt.Errorf("workflow: %s: class %d%s has %d of its %s in the training split (data.holdout %.3g holds out the rest): a class needs at least %d to learn from; give it more points or lower data.holdout",
			labelSource(cfg.Data), y, name, n, of, holdout, MinClassPoints)
	}
	return nil
}

// Bounds of data.holdout: auto: the fraction that holds out
// autoHeldoutRows rows, within them. A held-out loss on a dozen rows picks
// the best checkpoint by its noise (a 142-row table held out 14).
const (
	minAutoHoldout  = 0.1
	maxAutoHoldout  = 0.3
	autoHeldoutRows = 50
)

// AutoHoldout is data.holdout: auto for n points.
func AutoHoldout(n int) float64 {
	return min(max(autoHeldoutRows/float64(max(n, 1)), minAutoHoldout), maxAutoHoldout)
}

// mapQuantiles maps every skewed column of a table through its training
// quantiles onto a standard normal's, in place, training and held-out
// rows through the knots (a point mass's rows spread over its stretch).
// It returns the knots and the skewness by column. The columns in keep
// (data.discrete_gap's) stay as they are. A discrete column,
// dequantised already, is mapped too: its rows then hold each value's
// share of the normal, and its samples, mapped back, are put onto its
// values (star98's count column, 88% zeros: spread 0.52 of the data's in
// cells, 0.90 mapped).
func mapQuantiles(train, valid points.Points, keep map[int]float64, valleys []int, rng *rand.Rand) (map[int]datasets.Knots, map[int]float64, []bool) {
	out, skews := map[int]datasets.Knots{}, map[int]float64{}
	var beyond []bool
	if train.N < 3 {
		return out, skews, nil
	}
	for j := range train.D {
		if _, widened := keep[j]; widened {
			continue
		}
		if g := skewness(train, j); math.Abs(g) > maxSkew || slices.Contains(valleys, j) {
			out[j], skews[j] = datasets.FitKnots(train, j), g
			// Held-out rows on a point mass spread over it as training
			// rows do: the held-out loss measures the same distribution.
			out[j].MapInPlace(train, j, rng)
			k := out[j]
			for i := range valid.N {
				if v := valid.X[i*valid.D+j]; v < k.X[0] || v > k.X[len(k.X)-1] {
					if beyond == nil {
						beyond = make([]bool, valid.N)
					}
					beyond[i] = true
				}
			}
			out[j].MapInPlace(valid, j, rng)
		}
	}
	return out, skews, beyond
}

// maxSkew is the skewness beyond which a column is mapped through its
// quantiles (data.quantile: auto), the usual bound of a moderately skewed
// distribution. A skewed column's tail is a handful of rows far out,
// which a density smooth at the noise's scale spreads thin and past the
// column's end (star98: 79.5% of a column's samples inside its range
// before the map, 93.0% with it beyond skewness 1, 98.1% beyond 0.5). A
// symmetric column keeps plain standardising: mapping iris's four
// (skewness within ±0.3) brought its samples nearer the training rows
// than new rows are (0.78 against 0.84).
const maxSkew = 0.5

// skewness is the sample skewness of column j of p, 0 for a constant.
func skewness(p points.Points, j int) float64 {
	mean := 0.0
	for i := range p.N {
		mean += p.X[i*p.D+j]
	}
	mean /= float64(p.N)
	var m2, m3 float64
	for i := range p.N {
		d := p.X[i*p.D+j] - mean
		m2 += d * d
		m3 += d * d * d
	}
	m2, m3 = m2/float64(p.N), m3/float64(p.N)
	if m2 == 0 {
		return 0
	}
	return m3 / math.Pow(m2, 1.5)
}

// describeQuantiles says which columns are quantile-mapped and why, for
// the start-up lines.
func describeQuantiles(q map[int]datasets.Knots, skews map[int]float64, masses []int, cats []datasets.Category, names []string) string {
	cols := make([]int, 0, len(q))
	for j := range q {
		cols = append(cols, j)
	}
	slices.Sort(cols)
	var parts []string
	which := fmt.Sprintf("of skewness beyond ±%g", maxSkew)
	for _, j := range cols {
		why := fmt.Sprintf("skewness %.2g", skews[j])
		switch {
		case math.Abs(skews[j]) > maxSkew:
		case slices.Contains(masses, j):
			why = "a point mass at its end, data.quantile_masses"
			which = fmt.Sprintf("of skewness beyond ±%g, a large point mass at an end or a valley in a code's shares", maxSkew)
		default:
			why = "a valley in its values' shares, data.quantile_valleys"
			if !strings.Contains(which, "point mass") {
				which = fmt.Sprintf("of skewness beyond ±%g or a valley in a code's shares", maxSkew)
			}
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", datasets.ColumnLabel(cats, names, j), why))
	}
	return fmt.Sprintf("data.quantile auto: %d column(s) %s mapped through their training quantiles onto a normal's and sampled back through them, so that samples stay inside the column's range and its tail keeps its share: %s", len(q), which, listColumns(parts))
}

// describeWhole says which columns are whole, for the start-up lines (a
// pixel table's hundreds not all listed).
func describeWhole(w datasets.Whole, cats []datasets.Category, names []string) string {
	parts := make([]string, len(w))
	for k, j := range w {
		parts[k] = datasets.ColumnLabel(cats, names, j)
	}
	return fmt.Sprintf("%d column(s) of whole numbers only, whose samples are rounded to whole numbers: %s", len(w), listColumns(parts))
}

// HeldOutFrom reads a file of rows as the held-out split of the run's
// data, for eval to measure against rows its training never saw (a run
// refitted on every row holds none of its own): the rows read as score
// and likelihood read them (ReadClassedRows), those with a missing value,
// a name no level holds or a class the run has not left out and counted;
// discrete columns dequantised as training's were (the run's seed and
// data.discrete_spread); rows beyond a quantile-mapped column's range
// marked, as Prepare marks its own (ValidBeyond); in model units.
func (r *Run) HeldOutFrom(path string) (valid points.Points, labels []int32, beyond []bool, left int, err error) {
	rows, err := ReadClassedRows(r, path)
	if err != nil {
		return points.Points{}, nil, nil, 0, err
	}
	if rows.D != r.Model.Dim() {
		return points.Points{}, nil, nil, 0, fmt.Errorf("%s has %d columns, the run's rows have %d", path, rows.D, r.Model.Dim())
	}
	keep := make([]int, 0, rows.N)
	for i := range rows.N {
		if !slices.ContainsFunc(rows.Row(i), math.IsNaN) && !(rows.Labels != nil && rows.Labels[i] < 0) {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		return points.Points{}, nil, nil, rows.N, fmt.Errorf("%s: no row is complete: each holds a missing value%s", path, rows.UnknownNote())
	}
	data := rows.Subset(keep)
	if r.Image.Size() > 0 {
		if k := slices.IndexFunc(data.X, func(v float64) bool { return v < 0 || v > 1 }); k >= 0 {
			return points.Points{}, nil, nil, 0, fmt.Errorf("%s: row %d, pixel %d is %v: an image run's pixels are in [0, 1], as its training images were scaled (8-bit levels divided by 255): scale the rows so", path, keep[k/data.D]+1, k%data.D+1, data.X[k])
		}
	}
	if rows.Labels != nil {
		labels = make([]int32, len(keep))
		for k, i := range keep {
			labels[k] = rows.Labels[i]
		}
	}
	if with, without, _ := Densities(r.Norm, r.Config, data); without > 0 {
		beyond = make([]bool, data.N)
		for i := range beyond {
			beyond[i] = true
		}
		for _, i := range with {
			beyond[i] = false
		}
	}
	Discrete(r.Discrete).Dequantize(data, discreteSpread(r.Config), seeds.New(r.Config.Seed, seeds.Dequantize))
	return r.Norm.Apply(data), labels, beyond, rows.N - len(keep), nil
}

// minMappedMass is the share of a column's rows at an end's point mass
// from which data.quantile_masses maps it: R's ozone held 32% of a
// column's rows at its maximum, and its samples 14%, the rest of the mass
// blurred below the end (36% mapped). A smaller mass leaks less, and the
// map costs elsewhere: Ionosphere's columns of 5-8% at each end, mapped,
// came out with spreads nearer the data's (worst 0.68 to 0.74 of it) but
// means farther (0.09 to 0.14 of a column's sd).
const minMappedMass = 0.2

// endMasses are the columns of all (data units; a point mass is a
// continuous column's, which dequantising leaves exact) with a point mass
// at an end (ends) that at least share of the rows hold.
func endMasses(all points.Points, ends datasets.Ends, share float64) []int {
	var out []int
	for j := range all.D {
		if ends.MassShare(all, j) >= share {
			out = append(out, j)
		}
	}
	return out
}

// holdsLabel is whether a read with the class column failed on a file
// that holds the column: a bad cell, named at its line and column, which
// the read without the class column would name at another (the class's
// name where a number belongs).
func holdsLabel(err error) bool {
	return err != nil && !datasets.IsNoLabelColumn(err) && strings.Contains(err.Error(), ", column ")
}
