package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"scorenet/internal/memlimit"
	"scorenet/internal/safefile"
	"scorenet/points"
	"slices"
	"strconv"
	"strings"

	"github.com/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// MaxValues bounds the values (n*D) of a data file read: 1<<30 values, 8 GiB
// as float64. A file that claims more is refused before anything is
// allocated by its claim.
const MaxValues = 1 << 30

// maxValues is MaxValues, lowered by tests.
var maxValues = MaxValues

// checkMemory refuses an allocation over the process's memory budget
// (memlimit.Check: MemAvailable, ulimit -v, the cgroup's memory.max);
// tests give a budget of their own. Every reader asks it before it
// allocates by what a file claims or grows with what a file holds.
var checkMemory = memlimit.Check

// File is a data file read by Load: its points, and what was made of it.
type File struct {
	points.Points
	Path string
	// Header is the cells of a CSV file's first row, when that row was taken
	// as a header (every cell a name); nil if there was none.
	Header []string
	// RowIndex is whether the CSV's first column was the rows' index
	// (unnamed in the header, each row's own number or name: pandas'
	// to_csv writes one), left out of the points.
	RowIndex bool
	// RowNames is column 1's header name where that column was the rows'
	// names (distinct names under a named header cell: a DataFrame's
	// index of states or dates), left out as RowIndex says.
	RowNames string
	// Lead are those columns' cells, a row's each, for a table written
	// back row for row (impute's) to keep them.
	Lead []Lead
	// label is the label column's place among the columns after the
	// leading ones, from 1 (0: none): Where counts it.
	label int
	// LabelName is the label column's header name, where it has one.
	LabelName string
	// shape is a .npy file's array shape, for Where's NumPy index.
	shape []int
	sep   byte // a CSV's cells' separator
	// Categories are the CSV's columns of names read as their levels'
	// places (Options.Categories), with their levels.
	Categories []Category
	// LeftOut are the columns left out as Options.LeaveOut named them,
	// left their places among a row's cells once the label's was out.
	LeftOut []string
	left    []int
	// Dropped are the rows DropIncomplete left out, as Where names them,
	// and missingBy each column's missing values among them.
	Dropped   []string
	missingBy []int
	// dropShift is how far the rows DropIncomplete kept are from the
	// file's in the column that moved most (keptShift).
	dropShift shift
	// UnknownNames are the category cells read as missing for a name that
	// is no level (Options.UnknownMissing), the first named by
	// FirstUnknown (its line, column and name).
	UnknownNames int
	FirstUnknown string
	// Given are those cells' names, by row and value column (from 0):
	// a completed table writes them back as given.
	Given map[[2]int]string

	note string // the layout of a .npy file, if worth saying
	// Lines are the line numbers of a CSV file's rows, read by LoadMissing
	// (nil otherwise): errors about a row name its line.
	Lines []int
}

// Where names row r (from 0) of the file, and its column c (from 0; -1
// for the whole row), for an error: by its line in a CSV read by
// LoadMissing (columns from 1, as the reader counts them), else as NumPy
// indexes it.
func (f File) Where(r, c int) string {
	if c >= 0 {
		c = beforeLeaving(f.left, c)
	}
	if c >= 0 && f.label > 0 && c >= f.label-1 {
		c++ // the label column, taken out, stood before it
	}
	return f.where(r, c)
}

// where is Where of the file's column c as the reader counts it after
// the leading columns it left out, the label column among them.
func (f File) where(r, c int) string {
	switch {
	case r < len(f.Lines) && c < 0:
		return fmt.Sprintf("%s line %d", f.Path, f.Lines[r])
	case r < len(f.Lines):
		return fmt.Sprintf("%s line %d, column %d", f.Path, f.Lines[r], c+1+f.leading())
	case c < 0:
		return fmt.Sprintf("%s row %d (counting from 0, as a[%d] in NumPy)", f.Path, r, r)
	}
	return fmt.Sprintf("%s row %d, column %d (counting from 0, as %s in NumPy)", f.Path, r, c, npyIndex(f.shape, r, c))
}

// npyIndex is NumPy's index of value c of row r of an array of shape
// (n, H, W, ...), read as rows of H*W*... values: a[r, c] for (n, D).
func npyIndex(shape []int, r, c int) string {
	idx := []string{fmt.Sprint(r)}
	if len(shape) <= 2 {
		return fmt.Sprintf("a[%d, %d]", r, c)
	}
	rest := make([]string, len(shape)-1)
	for k := len(shape) - 1; k >= 1; k-- {
		rest[k-1] = fmt.Sprint(c % shape[k])
		c /= shape[k]
	}
	return "a[" + strings.Join(append(idx, rest...), ", ") + "]"
}

// mostMissing says, where DropIncomplete left out more than a fifth of
// the rows, which columns were missing most, and how to keep their rows:
// Vega's movies lost 63% of its rows, and the samples describe the rest.
func (f File) mostMissing() string {
	all := f.N + len(f.Dropped)
	if 5*len(f.Dropped) <= all || len(f.missingBy) == 0 {
		return ""
	}
	// By the columns as the file holds them (missingList): a category's
	// binary digits are missing together.
	return fmt.Sprintf(" (%.0f%% of the %d rows; the columns most often missing: %s: leaving those out, data.leave_out, keeps the rows, which the samples then describe too)",
		100*float64(len(f.Dropped))/float64(all), all, f.missingList())
}

// shift is how far a column's values among some rows lie from all its
// values in the file: its mean's distance in the file's standard
// deviations, and its standard deviation's ratio; column is a value
// column, -1 for none.
type shift struct {
	column      int
	mean, ratio float64
	// levels is a category's (or with column -2, the classes') total
	// variation distance between its shares among the rows and in the
	// file, where that moved most; 0 for a number column.
	levels float64
}

// Beyond these a shift is told: the verdict's own bounds for samples.
const (
	maxKeptShift  = 0.25
	minKeptSpread = 0.8
	maxKeptSpread = 1.25
	maxKeptLevels = 0.1
)

// classColumn marks a shift in the rows' classes.
const classColumn = -2

// keptShift is the shift of the complete rows (those DropIncomplete
// keeps) from all of each column's observed values, in the number
// column (not a category's places) that moved most, by the larger of
// its mean's distance and its spread's log ratio.
func keptShift(f File, labels *Labels) shift {
	worst, score := shift{column: -1}, 0.0
	complete := func(i int) bool {
		return !slices.ContainsFunc(f.Row(i), math.IsNaN) && !(labels.Of != nil && labels.Of[i] < 0)
	}
	levels := func(column int, of func(i int) (float64, bool)) {
		all, kept := map[float64]float64{}, map[float64]float64{}
		var nAll, nKept float64
		for i := range f.N {
			v, ok := of(i)
			if !ok {
				continue
			}
			all[v], nAll = all[v]+1, nAll+1
			if complete(i) {
				kept[v], nKept = kept[v]+1, nKept+1
			}
		}
		if nKept == 0 || nKept == nAll {
			return
		}
		tv := 0.0
		for v, n := range all {
			tv += math.Abs(kept[v]/nKept - n/nAll)
		}
		if s := tv / 2 / maxKeptLevels; s > score {
			worst, score = shift{column: column, levels: tv / 2}, s
		}
	}
	if labels.Of != nil {
		levels(classColumn, func(i int) (float64, bool) { return float64(labels.Of[i]), labels.Of[i] >= 0 })
	}
	for m := range f.D {
		j := ValueColumn(f.Categories, m)
		if _, ok := BitsAt(f.Categories, j); ok {
			continue // its digits are not its levels
		}
		if slices.ContainsFunc(f.Categories, func(c Category) bool { return c.Index == j }) {
			levels(j, func(i int) (float64, bool) { v := f.X[i*f.D+m]; return v, !math.IsNaN(v) })
			continue
		}
		var all, kept [3]float64 // count, sum, sum of squares
		for i := range f.N {
			v := f.X[i*f.D+m]
			if math.IsNaN(v) {
				continue
			}
			all = [3]float64{all[0] + 1, all[1] + v, all[2] + v*v}
			if complete(i) {
				kept = [3]float64{kept[0] + 1, kept[1] + v, kept[2] + v*v}
			}
		}
		if kept[0] < 2 || kept[0] == all[0] {
			continue
		}
		sd := func(s [3]float64) float64 { return math.Sqrt(max(0, s[2]/s[0]-(s[1]/s[0])*(s[1]/s[0]))) }
		sdAll, sdKept := sd(all), sd(kept)
		if sdAll == 0 {
			continue
		}
		mean, ratio := math.Abs(kept[1]/kept[0]-all[1]/all[0])/sdAll, sdKept/sdAll
		if s := max(mean/maxKeptShift, math.Abs(math.Log(max(ratio, 1e-9)))/math.Log(maxKeptSpread)); s > score {
			worst, score = shift{column: j, mean: mean, ratio: ratio}, s
		}
	}
	return worst
}

// DropBias says, where the rows DropIncomplete kept differ from the
// file's beyond the verdict's own bounds for samples (a column's mean a
// quarter of its spread off, or its spread a fifth narrower or a quarter
// wider), how, and that the model and the verdict see the kept rows
// only; "" otherwise. A table whose later columns were measured only in
// its later years kept those years (a new user's temp_carbon: the year's
// mean 0.81 of its spread off, its spread half), and the verdict said
// the samples were good.
func (f File) DropBias() string {
	s := f.dropShift
	if s.column == -1 || len(f.Dropped) == 0 {
		return ""
	}
	var how string
	switch {
	case s.levels > maxKeptLevels && s.column == classColumn:
		how = fmt.Sprintf("among them the classes come in shares %.2f off the file's (total variation)", s.levels)
	case s.levels > maxKeptLevels:
		how = fmt.Sprintf("among them %s's values come in shares %.2f off the file's (total variation)", f.columnName(s.column), s.levels)
	case s.levels == 0 && (s.mean > maxKeptShift || s.ratio < minKeptSpread || s.ratio > maxKeptSpread):
		how = fmt.Sprintf("among them %s's mean is %.2f of its standard deviation off the file's and its spread %.2f of the file's", f.columnName(s.column), s.mean, s.ratio)
	default:
		return ""
	}
	fix := "data.leave_out of the columns most often missing keeps the rows (" + f.missingList() + ")"
	if f.missingList() == "" {
		fix = "the rows left out are those without a class (data.label_column), which a class-conditional model cannot learn from"
	}
	all := f.N + len(f.Dropped)
	return fmt.Sprintf("the %d of %d rows kept, those without a missing value (data.missing: drop), are not like the file's: %s; the model learns them, and the verdict judges samples against them, only: %s",
		f.N, all, how, fix)
}

// missingList lists the columns with missing values, most often missing
// first, with their counts, at most three.
func (f File) missingList() string {
	by := make([]int, ValueColumns(f.Categories, len(f.missingBy)))
	for m, n := range f.missingBy {
		j := ValueColumn(f.Categories, m)
		by[j] = max(by[j], n)
	}
	order := make([]int, len(by))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return by[b] - by[a] })
	var parts []string
	for _, j := range order[:min(3, len(order))] {
		if by[j] > 0 {
			parts = append(parts, fmt.Sprintf("%s in %d", f.columnName(j), by[j]))
		}
	}
	return strings.Join(parts, ", ")
}

// LabelAt is how many value columns the label column stands after in the
// file (those of the columns read, less those left out), for a table
// written back with it in its place; -1 without one.
func (f File) LabelAt() int {
	if f.label == 0 {
		return -1
	}
	at := f.label - 1
	for _, l := range f.left {
		if l < f.label-1 {
			at--
		}
	}
	return max(at, 0)
}

// columnName names the value column c (a category one column) by the
// header, which names the columns read (the label and the columns left
// out are not among them), else by its number as Where counts it.
func (f File) columnName(c int) string {
	if c < len(f.Header) && len(f.Header) == ValueColumns(f.Categories, f.D) {
		return f.Header[c]
	}
	c = beforeLeaving(f.left, c)
	if f.label > 0 && c >= f.label-1 {
		c++
	}
	return fmt.Sprintf("column %d", c+1+f.leading())
}

// leading is how many columns before the points' values were left out:
// a row index, the rows' names.
func (f File) leading() int {
	n := 0
	if f.RowIndex {
		n++
	}
	if f.RowNames != "" {
		n++
	}
	return n
}

// Describe says what was read, e.g. "200 points of dimension 2 from
// data.csv (first row taken as a header: x, y)".
func (f File) Describe() string {
	points := "points"
	if f.N == 1 {
		points = "point"
	}
	s := fmt.Sprintf("%d %s of dimension %d from %s", f.N, points, f.D, f.Path)
	var notes []string
	if f.Header != nil {
		names := f.Header
		more := ""
		if len(names) > 8 {
			names, more = names[:8], fmt.Sprintf(", ... (%d names)", len(f.Header))
		}
		notes = append(notes, "first row taken as a header: "+strings.Join(names, ", ")+more)
	}
	if len(f.Dropped) > 0 {
		rows := "rows"
		if len(f.Dropped) == 1 {
			rows = "row"
		}
		notes = append(notes, fmt.Sprintf("%d %s with a missing value left out (data.missing: drop), the first at %s%s", len(f.Dropped), rows, f.Dropped[0], f.mostMissing()))
	}
	if f.RowIndex {
		notes = append(notes, "column 1, unnamed in the header and each row's own number or name, is the rows' index (as pandas' to_csv and R's write.csv write it) and is left out")
	}
	if f.RowNames != "" {
		notes = append(notes, fmt.Sprintf("column %d (%s), a name each row's own, is the rows' names and is left out", f.leading(), f.RowNames))
	}
	if len(f.LeftOut) > 0 {
		notes = append(notes, "columns left out (data.leave_out): "+strings.Join(f.LeftOut, ", "))
	}
	if len(f.Categories) > 0 {
		var cols []string
		for _, c := range f.Categories {
			learnt := ""
			if c.Bits {
				learnt = fmt.Sprintf(", learnt as %d binary digits, a 0/1 column each", BitColumns(len(c.Levels)))
			}
			unseen := ""
			if len(c.Unseen) > 0 {
				unseen = fmt.Sprintf("; not %s, which only rows with a missing value hold", listSome(c.Unseen, 4))
			}
			cols = append(cols, fmt.Sprintf("%s (%d: %s%s%s)", c.Column, len(c.Levels), listSome(c.Levels, 4), learnt, unseen))
		}
		notes = append(notes, "columns of names read as categories, each name its place among the column's levels (data.categories): "+strings.Join(cols, ", "))
	}
	if f.note != "" {
		notes = append(notes, f.note)
	}
	if s := separatorNote(f.sep); s != "" {
		notes = append(notes, s)
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	return s
}

// Load reads points from a .csv or .npy file, chosen by extension, and says
// what was read.
//
// A CSV file has one point per row and one coordinate per column, separated
// by commas (or, where the first line has none, by semicolons, a comma in
// a number then its decimal point, or by tabs). Its first row is taken as a header if every cell is a name
// (printable text, not a number); a first row mixing numbers and text is an
// error, except a header that leaves only column 1 unnamed, as pandas'
// to_csv writes a DataFrame's index: that column is the rows' index and is
// left out (RowIndex) once its cells are seen to be distinct numbers
// or names; and a first column (after such an index) of names each
// row's own under a header name (a DataFrame's index of states or dates)
// is the rows' names, left out too (RowNames). Lines starting with # are comments, a UTF-8 byte-order mark at the
// start is dropped. Lines end with \n, \r\n or, in a file whose first
// 64 KiB hold no \n, \r alone. A line may be at most 16 MiB long and have
// at most MaxColumns cells. A file that is not text (compressed, a
// workbook, an image, UTF-16, binary) is refused by what it is.
//
// A .npy file holds a little-endian array of floats (float64, float32),
// integers (int8 to int64, uint8 to uint64; beyond 2^53 refused) or bools,
// of shape (n, D) in C or Fortran order, or (n, H, W, ...) in C order, read
// as n points of H*W*... values (images saved as an array); its size must
// match the header's shape.
//
// Either holds at most MaxValues values, and every value must be finite.
// Errors name the file and, for CSV, the line and column.
func Load(path string) (File, error) {
	return load(path, false, Want{})
}

// LoadMissing is Load for a file with missing entries, read as NaN: in a
// CSV an empty cell, NA, NaN (any case) or ?; in a .npy file a NaN. Infinite
// values are still refused.
func LoadMissing(path string) (File, error) {
	return load(path, true, Want{})
}

// LoadMissingWant is LoadMissing for a caller that knows the columns the
// file must have, or wants only its first rows (Want): a file of other
// columns is refused at its first row or header, and a CSV's lines past
// the rows wanted are not read, nor are a C-order .npy file's (a
// Fortran-order one's are read past, not kept).
func LoadMissingWant(path string, want Want) (File, error) {
	return load(path, true, want)
}

// LoadLabelled is Load for a table with a class column, named by its
// header or its number from 1 (data.label_column), which is taken out of
// the points: the classes, and their names where the column holds names
// rather than integers from 0 (then the classes are the names in sorted
// order). Errors about a row name its line (CSV) or index (.npy).
func LoadLabelled(path, column string) (File, Labels, []string, error) {
	return loadLabelled(path, column, false)
}

// LoadLabelledMissing is LoadLabelled for a table with missing values
// (LoadMissing), which are read as NaN, and a missing label as -1 (its
// row incomplete: DropIncomplete leaves it out).
func LoadLabelledMissing(path, column string) (File, Labels, []string, error) {
	return loadLabelled(path, column, true)
}

func loadLabelled(path, column string, missing bool) (File, Labels, []string, error) {
	return LoadTable(path, Options{Missing: missing, Label: column})
}

// Options say how LoadTable reads a table.
type Options struct {
	// Missing: missing cells are read as NaN (LoadMissing).
	Missing bool
	// Label is the class column, as data.label_column names it (LoadLabelled); "" for none.
	Label string
	// Categories are the columns of names read as their levels' places
	// (data.categories; a CSV's only).
	Categories []Category
	// LeaveOut are columns to leave out (data.leave_out; a CSV's only),
	// by header name or number from 1: names of rows, an id.
	LeaveOut []string
	// Width, where given, is the number of values a run's model takes. A
	// CSV without a label column whose rows hold as many (after a row
	// index or names; a category learnt in binary digits one column) is a
	// file the run wrote, its samples or completed rows: nothing is left
	// out of it, and a category its header does not name is at its
	// Category.Index.
	Width int
	// Want bounds what is read.
	Want Want
	// UnseenMissing reads a category's Unseen names as missing values, as
	// the run's own data were read when it started (their rows left out);
	// otherwise such a name is refused as no level (a row given to
	// impute: its name is not to be put in for a missing one).
	UnseenMissing bool
	// UnknownMissing reads a category's cell whose name is no level of it
	// (an unseen one, or one the run never read) as a missing value, with
	// Missing: impute's rows, whose every other cell still counts, rather
	// than a file refused for one name. File.UnknownNames counts them.
	UnknownMissing bool
}

// LoadTable reads a table as o says: Load, LoadMissing and LoadLabelled in
// one, and a CSV's category columns (File.Categories).
func LoadTable(path string, o Options) (File, Labels, []string, error) {
	if strings.ToLower(filepath.Ext(path)) != ".csv" {
		if (len(o.Categories) > 0 || len(o.LeaveOut) > 0) && o.Width == 0 {
			return File{}, Labels{}, nil, fmt.Errorf("datasets: %s: data.categories and data.leave_out apply to a CSV's columns of names; a .npy file holds numbers only", path)
		}
		// A run's rows as .npy (its samples): the categories' places, numbers.
		f, err := load(path, o.Missing, o.Want)
		if err != nil {
			return f, Labels{}, nil, err
		}
		var l Labels
		if o.Label != "" {
			if l, err = TakeLabelColumn(&f, o.Label); err != nil {
				return f, l, nil, err
			}
		}
		if err := checkPlaces(f, o.Categories); err != nil {
			return File{}, Labels{}, nil, err
		}
		if HasBits(o.Categories) {
			if f.D != ValueColumns(o.Categories, o.Width) {
				return File{}, Labels{}, nil, fmt.Errorf("datasets: %s: %d columns, want %d: a run's rows, each category its level's place", path, f.D, ValueColumns(o.Categories, o.Width))
			}
			f.Points, f.Categories = ExpandBits(f.Points, o.Categories), o.Categories
		}
		return f, l, nil, nil
	}
	r, err := safefile.Open(path)
	if err != nil {
		return File{}, Labels{}, nil, fmt.Errorf("datasets: %w", err)
	}
	defer r.Close()
	f := File{Path: path}
	var lc *labelColumn
	if o.Label != "" {
		lc = &labelColumn{column: o.Label}
	}
	cats := newCategoryReader(o.Categories, o.LeaveOut)
	if cats != nil {
		cats.unseenMissing = o.UnseenMissing && o.Missing
		cats.unknownMissing = o.UnknownMissing && o.Missing
		// A file the run wrote holds each category as one column, and no
		// column left out; with its class column too (a classed run's
		// samples), counted once the class is out.
		cats.width = ValueColumns(o.Categories, o.Width)
	}
	var lines *[]int
	if o.Missing || lc != nil || cats != nil {
		lines = &f.Lines
	}
	var head csvHead
	if f.Points, head, err = readCSVLines(r, o.Missing, lines, o.Want, lc, cats); err != nil {
		return File{}, Labels{}, nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	f.Header, f.RowIndex, f.RowNames, f.sep, f.Lead = head.names, head.rowIndex, head.rowNames, head.sep, head.lead
	if cats != nil {
		var labelMissing []bool
		if lc != nil && o.Missing {
			labelMissing = make([]bool, len(lc.cells))
			for i, c := range lc.cells {
				labelMissing[i] = missingLabel(c)
			}
		}
		f.Categories = cats.finish(f.Points, labelMissing)
		f.UnknownNames, f.FirstUnknown, f.Given = cats.unknown, cats.firstUnknown, cats.given
		if len(cats.left) > 0 { // a file the run wrote holds none of them
			f.LeftOut, f.left = cats.leave, cats.left
		}
		f.Points = ExpandBits(f.Points, f.Categories) // after finish has numbered the levels
	}
	if lc == nil {
		return f, Labels{}, nil, nil
	}
	f.label, f.LabelName = lc.index+1, lc.name
	l, names, err := labelsOf(lc.cells, o.Missing, func(r int) string { return f.where(r, lc.index) })
	l.Lines = f.Lines
	return f, l, names, err
}

// checkPlaces refuses a .npy file of a run's rows whose category column
// holds a number that is no level's place (a whole number from 0 to one
// below the levels' count): read as it was, impute wrote a given 7 back
// as a level's name, and score and likelihood took it as a place.
func checkPlaces(f File, cats []Category) error {
	for _, c := range cats {
		if c.Index >= f.D || len(c.Levels) == 0 {
			continue
		}
		for i := range f.N {
			v := f.X[i*f.D+c.Index]
			if !math.IsNaN(v) && (v != math.Trunc(v) || v < 0 || v >= float64(len(c.Levels))) {
				return fmt.Errorf("datasets: %s: %v is no place of column %s's %d levels (data.categories): want a whole number from 0 to %d", f.Where(i, c.Index), v, c.Column, len(c.Levels), len(c.Levels)-1)
			}
		}
	}
	return nil
}

// ErrMissingLabel is a row without its class where every value is needed
// (score, likelihood): it is refused as such, not as a cell that is not a
// number.
var ErrMissingLabel = errors.New("the label is missing")

// missingLabel is whether a class cell marks a missing value.
func missingLabel(cell string) bool {
	v, read := parseMaybeMissing(cell)
	return read && math.IsNaN(v)
}

// DropIncomplete leaves out the rows of f with a missing value (NaN) or a
// missing label (-1), and their labels (nil Of: none), recording where
// they were in f.Dropped.
func DropIncomplete(f *File, labels *Labels) {
	f.dropShift = keptShift(*f, labels)
	kept := 0
	f.missingBy = make([]int, f.D)
	for i := range f.N {
		if slices.ContainsFunc(f.Row(i), math.IsNaN) || labels.Of != nil && labels.Of[i] < 0 {
			f.Dropped = append(f.Dropped, strings.TrimPrefix(f.Where(i, -1), f.Path+" "))
			for j, v := range f.Row(i) {
				if math.IsNaN(v) {
					f.missingBy[j]++
				}
			}
			continue
		}
		if kept != i {
			copy(f.X[kept*f.D:(kept+1)*f.D], f.Row(i))
			if i < len(f.Lines) {
				f.Lines[kept] = f.Lines[i]
			}
			for _, l := range f.Lead {
				l.Cells[kept] = l.Cells[i]
			}
			if labels.Of != nil {
				labels.Of[kept] = labels.Of[i]
				if i < len(labels.Lines) {
					labels.Lines[kept] = labels.Lines[i]
				}
			}
		}
		kept++
	}
	if kept == f.N {
		return
	}
	f.N, f.X = kept, f.X[:kept*f.D]
	for k := range f.Lead {
		f.Lead[k].Cells = f.Lead[k].Cells[:kept]
	}
	if len(f.Lines) > kept {
		f.Lines = f.Lines[:kept]
	}
	if labels.Of != nil {
		labels.Of = labels.Of[:kept]
		if len(labels.Lines) > kept {
			labels.Lines = labels.Lines[:kept]
		}
	}
}

// labelsOf reads a label column's cells as classes: integers from 0 as
// they are, or names, each a class in sorted order; where names a row's
// cell for an error. A column mixing the two is refused: a name that
// looks like a number would make -class ambiguous, and one stray name
// would renumber every class.
func labelsOf(cells []string, missingRead bool, where func(r int) string) (Labels, []string, error) {
	l := Labels{Of: make([]int32, len(cells))}
	firstNumber, firstName := -1, -1
	var present []string // the cells of labels given
	for r, c := range cells {
		if missingLabel(c) {
			if missingRead {
				// Its row is incomplete: left out by data.missing: drop,
				// and impute, which draws without the class, needs none.
				l.Of[r] = -1
				continue
			}
			return Labels{}, nil, fmt.Errorf("datasets: %s: %w (%s): every row needs its class here", where(r), ErrMissingLabel, quoteCell(c))
		}
		present = append(present, c)
		v, number := parseCell(c)
		if !number {
			if firstName < 0 {
				firstName = r
			}
			continue
		}
		if firstNumber < 0 {
			firstNumber = r
		}
		y, ok := classOf(v)
		if !ok {
			return Labels{}, nil, noLabelColumn{fmt.Errorf("datasets: %s: label %s is not a class: want an integer from 0 to %d, or a name", where(r), quoteCell(c), MaxClasses-1)}
		}
		l.Of[r] = y
		l.K = max(l.K, int(y)+1)
	}
	switch {
	case firstName < 0:
		return l, nil, nil
	case firstNumber >= 0:
		return Labels{}, nil, noLabelColumn{fmt.Errorf("datasets: %s: label %s is a number, but %s has the name %s: a label column holds classes as integers from 0 or as names, not both",
			where(firstNumber), quoteCell(cells[firstNumber]), where(firstName), quoteCell(cells[firstName]))}
	}
	names := slices.Compact(slices.Sorted(slices.Values(present)))
	if len(names) > MaxClasses {
		return Labels{}, nil, fmt.Errorf("datasets: %s: %d different labels, more classes than %d", where(0), len(names), MaxClasses)
	}
	for r, c := range cells {
		if l.Of[r] < 0 {
			continue
		}
		i, _ := slices.BinarySearch(names, c)
		l.Of[r] = int32(i)
	}
	l.K = len(names)
	return l, names, nil
}

func load(path string, missing bool, want Want) (File, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".csv" && ext != ".npy" {
		return File{}, fmt.Errorf("datasets: %s: unknown extension %q, want .csv or .npy", path, filepath.Ext(path))
	}
	r, err := safefile.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("datasets: %w", err)
	}
	defer r.Close()
	f := File{Path: path}
	switch {
	case ext == ".csv":
		var lines *[]int
		if missing {
			lines = &f.Lines
		}
		var head csvHead
		f.Points, head, err = readCSVLines(r, missing, lines, want, nil, nil)
		f.Header, f.RowIndex, f.RowNames, f.sep, f.Lead = head.names, head.rowIndex, head.rowNames, head.sep, head.lead
	default:
		var h npyHeader
		f.Points, h, err = readNPYValues(r, missing, want)
		if err == nil && want.Rows > 0 && want.Rows < f.N {
			f.Points = points.Points{N: want.Rows, D: f.D, X: f.X[:want.Rows*f.D]}
		}
		f.note, f.shape = h.note(), h.shape
	}
	if err != nil {
		return File{}, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return f, nil
}

// ReadFile reads points from a .csv or .npy file, chosen by extension; see
// Load, which also says what was read.
func ReadFile(path string) (points.Points, error) {
	f, err := Load(path)
	return f.Points, err
}

// WriteFile writes points to a .csv or .npy file, chosen by extension. CSV
// values are written in the shortest form that reads back to the same
// float64; .npy files hold a float64 array of shape (n, D).
func WriteFile(path string, p points.Points) error {
	b, err := Encode(path, p)
	if err != nil {
		return err
	}
	return safefile.Write(path, b)
}

// WriteBudgeted is WriteFile for a caller that budgeted the encoding
// (EncodedBytes) with its work, before it: checked again after the work,
// the memory the work freed, still mapped to the process and reused by the
// encoding, counts as taken, and a likelihood whose solve had finished was
// refused its file while the same results went to stdout.
func WriteBudgeted(path string, p points.Points) error {
	b, err := encode(path, p)
	if err != nil {
		return err
	}
	return safefile.Write(path, b)
}

// EncodedBytes bounds the memory Encode takes for values values to path:
// the bytes are built in memory before the atomic write, at most 25 a
// value in CSV ('g' formatting of a float64 and its comma), 8 in .npy,
// twice over while the buffer grows.
func EncodedBytes(path string, values int) float64 {
	perValue := 8.0
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		perValue = 25
	}
	return 2 * perValue * float64(values)
}

// quoteName quotes a CSV cell where it holds a comma, a quote, a
// semicolon or a tab (which the reader takes for the separator of a row
// of no commas) or spaces at its ends, as the reader undoes.
func quoteName(name string) string {
	if strings.ContainsAny(name, ",\";\t") || strings.TrimSpace(name) != name || strings.HasPrefix(name, "#") { // a line starting with # is a comment
		return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	}
	return name
}

// Encode returns the bytes WriteFile would write to path (the format
// chosen by its extension), for callers that write them otherwise, e.g.
// atomically, or that hash what they write.
func Encode(path string, p points.Points) ([]byte, error) {
	return EncodeNamed(path, p, nil, nil)
}

// EncodeNamed is Encode with a header row (nil: none) and a table's
// category columns written as names in a CSV (WriteNamed).
func EncodeNamed(path string, p points.Points, header []string, named Named) ([]byte, error) {
	if err := memlimit.Check(EncodedBytes(path, len(p.X)), fmt.Sprintf("datasets: writing %d points of dimension %d to %s", p.N, p.D, path)); err != nil {
		return nil, err
	}
	if header != nil && len(header) != p.D {
		return nil, fmt.Errorf("datasets: %s: %d column names for %d columns", path, len(header), p.D)
	}
	return encodeTable(path, p, header, named, false, Echo{})
}

// encode is Encode without the memory check.
func encode(path string, p points.Points) ([]byte, error) {
	return encodeTable(path, p, nil, nil, false, Echo{})
}

// WriteTable is WriteBudgeted with a header row of column names for a CSV
// (a .npy file has no place for names; nil: none), quoted where a name
// holds a comma, a quote or spaces at its ends, as the reader undoes.
func WriteTable(path string, p points.Points, header []string) error {
	return WriteNamed(path, p, header, nil)
}

// WriteNamed is WriteTable with the values of a table's category columns
// written as their levels' names in a CSV (a .npy file holds their places
// among the levels, numbers).
func WriteNamed(path string, p points.Points, header []string, named Named) error {
	return writeTable(path, p, header, named, false)
}

// Lead is a column a table's rows were read with and left out of their
// values: its header name ("" for an unnamed index) and a row's cell each.
type Lead struct {
	Name  string
	Cells []string
}

// Echo is what a table written back row for row (impute's) carries from
// the input beside the values: its leading columns (Lead), and its cells
// given as names no level holds (Given, by input row and value column),
// written as given. Each input row stands for Each rows written (K
// completions of a row); 0 is 1.
type Echo struct {
	Lead  []Lead
	Given map[[2]int]string
	Each  int
	// Among are columns written among the values, each before value
	// column At (the values' count: after them all): a table's class
	// column, in its place.
	Among []Placed
}

// Placed is a column written among a table's values, before value
// column At.
type Placed struct {
	Lead
	At int
}

// WriteEchoed is WriteNamed with what echo carries from the input, in a
// CSV: a completed table keeps the rows' names it was read with, and the
// names it was given. A .npy file holds the values only.
func WriteEchoed(path string, p points.Points, header []string, named Named, echo Echo) error {
	if header != nil && len(header) != p.D {
		return fmt.Errorf("datasets: %s: %d column names for %d columns", path, len(header), p.D)
	}
	echo.Each = max(echo.Each, 1)
	for _, l := range echo.Lead {
		if len(l.Cells)*echo.Each != p.N {
			return fmt.Errorf("datasets: %s: %d cells of column %q for %d rows", path, len(l.Cells), l.Name, p.N)
		}
	}
	for _, c := range echo.Among {
		if len(c.Cells)*echo.Each != p.N || c.At < 0 || c.At > p.D {
			return fmt.Errorf("datasets: %s: %d cells of column %q, before column %d, for %d rows of %d columns", path, len(c.Cells), c.Name, c.At+1, p.N, p.D)
		}
	}
	b, err := encodeTable(path, p, header, named, false, echo)
	if err != nil {
		return err
	}
	return safefile.Write(path, b)
}

// WriteBlanks is WriteTable for results some of whose values do not
// exist (the likelihood of a point beyond a column's range, the score on
// a point mass): the caller marks each such value NaN, and the CSV holds
// an empty cell for it, as the readers take a missing value. A .npy file
// has no empty cell: it is refused.
func WriteBlanks(path string, p points.Points, header []string) error {
	return writeTable(path, p, header, nil, true)
}

// writeTable writes p under header (nil: none), as encodeTable encodes it.
func writeTable(path string, p points.Points, header []string, named Named, blanks bool) error {
	if header != nil && len(header) != p.D {
		return fmt.Errorf("datasets: %s: %d column names for %d columns", path, len(header), p.D)
	}
	b, err := encodeTable(path, p, header, named, blanks, Echo{})
	if err != nil {
		return err
	}
	return safefile.Write(path, b)
}

// ErrNoBlankCells is WriteBlanks' error for a .npy file given values
// that do not exist.
var ErrNoBlankCells = errors.New("a .npy file has no empty cell for a value that does not exist: write a .csv")

func encodeTable(path string, p points.Points, header []string, named Named, blanks bool, echo Echo) ([]byte, error) {
	each := max(echo.Each, 1)
	var buf bytes.Buffer
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		if header != nil {
			for _, l := range echo.Lead {
				buf.WriteString(quoteName(l.Name) + ",")
			}
		}
		for j, name := range header {
			if j > 0 {
				buf.WriteByte(',')
			}
			for _, c := range echo.Among {
				if c.At == j {
					buf.WriteString(quoteName(c.Name) + ",")
				}
			}
			buf.WriteString(quoteName(name))
		}
		for _, c := range echo.Among {
			if header != nil && c.At == p.D {
				buf.WriteString("," + quoteName(c.Name))
			}
		}
		if header != nil {
			buf.WriteByte('\n')
		}
		var num []byte
		for i := 0; i < p.N; i++ {
			for _, l := range echo.Lead {
				buf.WriteString(quoteName(l.Cells[i/each]) + ",")
			}
			for j, v := range p.Row(i) {
				if j > 0 {
					buf.WriteByte(',')
				}
				for _, c := range echo.Among {
					if c.At == j {
						buf.WriteString(quoteName(c.Cells[i/each]) + ",")
					}
				}
				if given, ok := echo.Given[[2]int{i / each, j}]; ok {
					buf.WriteString(quoteName(given))
					continue
				}
				if name, ok := named.name(j, v); ok {
					buf.WriteString(quoteName(name))
					continue
				}
				if blanks && math.IsNaN(v) {
					continue
				}
				buf.Write(appendNumber(num[:0], v))
			}
			for _, c := range echo.Among {
				if c.At == p.D {
					buf.WriteString("," + quoteName(c.Cells[i/each]))
				}
			}
			buf.WriteByte('\n')
		}
	case ".npy":
		if blanks && slices.ContainsFunc(p.X, math.IsNaN) {
			return nil, fmt.Errorf("datasets: %s: %w", path, ErrNoBlankCells)
		}
		if err := npyio.Write(&buf, mat.NewDense(p.N, p.D, p.X)); err != nil {
			return nil, fmt.Errorf("datasets: %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("datasets: %s: unknown extension %q, want .csv or .npy", path, ext)
	}
	return buf.Bytes(), nil
}

// appendNumber appends v as the shortest decimal that reads back as v,
// in positional notation where it is a number a table would hold (Go's
// shortest 'g' wrote a sales volume of 9210897 as 9.210897e+06), in
// exponent notation beyond.
func appendNumber(dst []byte, v float64) []byte {
	if a := math.Abs(v); a == 0 || a >= 1e-5 && a < 1e16 {
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}
