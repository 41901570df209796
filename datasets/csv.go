package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"scorenet/points"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxColumns bounds the values of one point a file may hold: the columns
// of a CSV row, the D of a .npy array, the H*W*C of an image (IDX, PNG).
// It is nn.MaxDim, the most a model takes: a wider point could not be
// learnt, and would cost memory in the data's statistics (a mean and a
// standard deviation per value) before the model refused it.
const MaxColumns = 1 << 17

// maxCSVLine bounds the length of a CSV line, without its line ending.
const maxCSVLine = 16 << 20

// ReadCSV reads points from CSV text; see ReadFile.
func ReadCSV(r io.Reader) (points.Points, error) {
	p, _, err := readCSV(r)
	if err != nil {
		return points.Points{}, fmt.Errorf("datasets: %w", err)
	}
	return p, nil
}

// readCSV reads points from CSV text, and the first row's cells if it was a
// header. Lines are read one at a time, each at most maxCSVLine bytes: an
// over-long line is an error as soon as the limit is passed, not after it
// has been read whole. The values grow as rows arrive, each growth asked of
// the memory budget (internal/memlimit) first.
//
// The dialect is the plain one: cells separated by commas, spaces around a
// cell ignored, a cell may be quoted with " (and "" inside for a quote) but
// must end on its line; empty lines are skipped, and a line starting with #
// is a comment. A UTF-8 byte-order mark at the start is dropped. Lines
// end as newLineReader says; a file that is not text is refused there.
func readCSV(r io.Reader) (points.Points, []string, error) {
	p, head, err := readCSVLines(r, false, nil, Want{}, nil, nil)
	return p, head.names, err
}

// csvHead is what a CSV's first row said: its column names (nil for no
// header), and whether its first column is the rows' index, left out.
type csvHead struct {
	names    []string
	rowIndex bool
	// rowNames is column 1's header name where it was the rows' names.
	rowNames string
	sep      byte // the cells' separator
	lead     []Lead
}

// rowIndex is a first column that the header leaves unnamed, as pandas'
// to_csv writes a DataFrame's index: it numbers or names the rows, which
// a model of the rows has nothing to learn from, so it is left out, once
// its cells are seen to be distinct numbers or names. Any other
// unnamed column is refused: it could be data whose name was lost.
type rowIndex struct {
	cells []string
	lines []int
	// name is the header's name of a column of the rows' names (a
	// DataFrame's index of states or dates, to_csv writing its name), ""
	// for an unnamed index.
	name string
	// column is the file's column (from 1): 1, or 2 for names after an
	// unnamed index.
	column int
}

// take checks row line's index cell and keeps it for check. Where
// missing cells are read (missing), a row's name may be missing too: the
// name is not a value, and the row's values are still the row's.
func (x *rowIndex) take(cell string, line int, missing bool) error {
	if x.name != "" {
		if missing && isMissing(cell) {
			x.cells = append(x.cells, "")
			x.lines = append(x.lines, line)
			return nil
		}
		if !isClassName(cell) {
			return fmt.Errorf("line %d, column %d (%s): %s is not a name; the column's first cell is, and a column of names (a state, a date) each row's own is the rows' names, left out: make every cell a name, or leave the column out of the file", line, x.column, x.name, quoteCell(cell))
		}
		x.cells = append(x.cells, strings.TrimSpace(cell))
		x.lines = append(x.lines, line)
		return nil
	}
	if c := strings.TrimSpace(cell); c == "" || strings.EqualFold(c, "na") {
		return fmt.Errorf("line %d, column 1 is empty or NA; the header leaves column 1 unnamed, which is a row index (pandas' to_csv writes one unless index=False) only when every row has its own number or name", line)
	}
	x.cells = append(x.cells, strings.TrimSpace(cell))
	x.lines = append(x.lines, line)
	return nil
}

// check refuses an index whose cells repeat.
func (x *rowIndex) check() error {
	order := make([]int, len(x.cells))
	for i := range order {
		order[i] = i
	}
	key := func(i int) string {
		if n, err := strconv.ParseInt(x.cells[i], 10, 64); err == nil {
			return strconv.FormatInt(n, 10) // exact beyond 2^53
		}
		if v, num := parseCell(x.cells[i]); num && v == math.Trunc(v) {
			return strconv.FormatFloat(v, 'f', -1, 64) // 7 and 7.0 are one row number
		}
		return x.cells[i] // R's row names 1978.1 and 1978.10 are two
	}
	keys := make([]string, len(order))
	for i := range keys {
		keys[i] = key(i)
	}
	if x.name != "" {
		// A missing name (kept as "") repeats no other row's.
		order = slices.DeleteFunc(order, func(i int) bool { return keys[i] == "" })
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	if x.name != "" && namesRows(slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "" })) {
		return nil // a few repeats among names of rows (two machines of one model): still no class
	}
	for k := 1; k < len(order); k++ {
		if a, b := order[k-1], order[k]; keys[a] == keys[b] && x.name != "" {
			return fmt.Errorf("lines %d and %d both hold %s in column %d (%s): a column of names that repeat is each row's class, not its name: name it in data.label_column (train -data does so when it is the table's only column of names)", x.lines[a], x.lines[b], quoteCell(x.cells[a]), x.column, x.name)
		} else if keys[a] == keys[b] {
			return fmt.Errorf("lines %d and %d both hold %s in column 1, which the header leaves unnamed: a row index (pandas' to_csv writes one unless index=False) holds each row's own number or name; name the column to learn it", x.lines[a], x.lines[b], quoteCell(x.cells[a]))
		}
	}
	return nil
}

// namesRows is whether names (in any order) mostly differ, more than one
// for every 2 rows, as names of rows do and a class column's never.
func namesRows(names []string) bool {
	sorted := slices.Compact(slices.Sorted(slices.Values(names)))
	return 2*len(sorted) > len(names) && len(sorted) > 2
}

// labelColumn is a CSV column read as each row's class, as text, and left
// out of the points.
type labelColumn struct {
	column string   // as data.label_column gives it: a header name or a number from 1
	index  int      // from 0, once the first row is read
	name   string   // its header name, where the file has a header
	cells  []string // each row's cell, spaces trimmed
}

// fileColumn is column j (from 0) of the cells left after the label's
// was taken out, as the file counts its columns; j for no label column.
func (l *labelColumn) fileColumn(j int) int {
	if l != nil && j >= l.index {
		return j + 1
	}
	return j
}

// resolve finds the column among a first row of n cells under header
// (nil: none), after lead columns left out (a row index, the rows'
// names): a number counts the file's columns, those too, as a
// spreadsheet shows them.
func (l *labelColumn) resolve(header []string, n, lead int) error {
	if i := slices.Index(header, l.column); i >= 0 {
		if j := slices.Index(header[i+1:], l.column); j >= 0 {
			return fmt.Errorf("data.label_column %q: the header names columns %d and %d so; rename one", l.column, lead+i+1, lead+i+j+2)
		}
		l.index = i
		return nil
	}
	k, err := strconv.Atoi(l.column)
	if err == nil && k >= 1 && k <= lead {
		return fmt.Errorf("data.label_column %q is the rows' index or names, left out: want a column from %d to %d", l.column, lead+1, lead+n)
	}
	if err != nil || k < 1 || k > lead+n {
		names := ""
		if len(header) > 0 {
			names = " (its header names " + strings.Join(header, ", ") + ")"
		}
		return noLabelColumn{fmt.Errorf("data.label_column %q is not a column: want a header name or a number from %d to %d%s", l.column, lead+1, lead+n, names)}
	}
	l.index = k - 1 - lead
	return nil
}

// noLabelColumn is the error of a file that does not hold the label
// column (IsNoLabelColumn): none at its name or number, or cells there
// that are no classes (a column of values, where a column given by
// number finds one in a file without the class).
type noLabelColumn struct{ error }

func (e noLabelColumn) Unwrap() error { return e.error }

// IsNoLabelColumn reports whether err says the file does not hold the
// label column, or holds no classes where it would be: a reader of a
// run's rows then reads them without it (its samples, which a run whose
// class column is given by number writes without it; a file of the
// values alone), where any other error is the file's own, to be named as
// it is.
func IsNoLabelColumn(err error) bool {
	var e noLabelColumn
	return errors.As(err, &e)
}

// Want bounds what a reader takes from a file, for a caller that knows it
// before reading: D, the number of columns (0: any), refused at the first
// row (CSV) or the header (.npy) that says otherwise; Rows, the most rows
// read (0: all; a CSV's later lines are not read).
//
// Spare is the bytes a value the caller needs once the values are read
// (8: a copy of them), for what Then names ("as much again to prepare
// the data for training"): the reader asks the memory budget for them
// with the values, before it allocates (a .npy file's, by its header) or
// as they grow (a CSV's, the values so far), so that a file the caller
// could not go on with is refused before it is read, not after.
type Want struct {
	D, Rows int
	Spare   float64
	Then    string
	// Columns are a run's columns (its header's names), where the file
	// is read for a run (ForRun) that recorded them: a first row that
	// names them is its header, numbers or not, and a first row with
	// more columns, its first cell missing, has the rows' names there. A
	// run that recorded none learnt a headerless file: a first row of
	// numbers is data, whatever its numbers.
	Columns []string
	ForRun  bool
}

// also is what the reader says it needs the memory for beside the values.
func (w Want) also() string {
	if w.Spare == 0 {
		return ""
	}
	return ", and " + w.Then + ","
}

// readCSVLines is readCSV, with missing cells (parseMaybeMissing) read as
// NaN when missing says so, each row's line number appended to lines when
// it is not nil, and what want bounds.
func readCSVLines(r io.Reader, missing bool, lines *[]int, want Want, label *labelColumn, cats *categoryReader) (points.Points, csvHead, error) {
	p, header, lead, sep, err := readCSVRows(r, missing, lines, want, label, cats)
	for _, x := range lead {
		if err == nil {
			err = x.check()
		}
	}
	if err != nil {
		return points.Points{}, csvHead{}, err
	}
	head := csvHead{names: header, sep: sep}
	for _, x := range lead {
		head.lead = append(head.lead, Lead{Name: x.name, Cells: x.cells})
		if x.name == "" {
			head.rowIndex = true
		} else {
			head.rowNames = x.name
		}
	}
	return p, head, nil
}

// rowNames is whether a table's first column is its rows' names, by its
// first row under a header: a name there (not a number, not missing),
// with other columns after it and the label column, if any, elsewhere.
// Its cells must then all be names, and distinct (rowIndex).
func rowNames(header, cells []string, label *labelColumn, lead int) bool {
	if header == nil || len(cells) < 2 || len(header) != len(cells) || !isRowName(cells[0]) {
		return false
	}
	return label == nil || (label.column != header[0] && label.column != strconv.Itoa(lead+1))
}

// missingRowName is whether a first row whose column 1 is missing still
// has the rows' names there: under a header naming the run's columns
// after it (want.Columns). A table's rows' names with the first one
// missing read so; a file of the run's own columns, the first value
// missing, does not.
func missingRowName(header, cells []string, missing bool, want Want) bool {
	return missing && len(want.Columns) > 0 && len(header) == len(cells) && len(cells) > 1 &&
		isMissing(cells[0]) && isClassName(header[0]) && inOrder(want.Columns, header[1:])
}

// inOrder is whether names holds every one of cols in cols' order, and
// maybe others between (a label column, a column left out).
func inOrder(cols, names []string) bool {
	k := 0
	for _, n := range names {
		if k < len(cols) && n == cols[k] {
			k++
		}
	}
	return k == len(cols)
}

// runsHeader is whether a first row read for a run names the run's
// columns (want.Columns), after an unnamed index or not: its header,
// whatever its names are (pandas' 0, 1, 2...).
func runsHeader(cells []string, want Want) (header []string, index, ok bool) {
	if !want.ForRun || len(want.Columns) == 0 {
		return nil, false, false
	}
	if len(cells) > 1 && strings.TrimSpace(cells[0]) == "" && inOrder(want.Columns, cells[1:]) && len(cells)-1 == len(want.Columns) {
		return slices.Clone(cells[1:]), true, true
	}
	if slices.Equal(cells, want.Columns) {
		return slices.Clone(cells), false, true
	}
	return nil, false, false
}

// isRowName is whether a cell names a row: a name with a letter in it
// (a state, a person) or a date (1974-01-01, 3/1/2020). A number
// written with a unit or grouping ($1.50, "1,234", 12%) is neither: its
// column is data the reader cannot read, an error, not a column to drop.
func isRowName(cell string) bool {
	if !isClassName(cell) {
		return false
	}
	return strings.ContainsFunc(cell, unicode.IsLetter) || datePattern.MatchString(strings.TrimSpace(cell))
}

// datePattern matches a date, with a time after it or not.
var datePattern = regexp.MustCompile(`^(\d{4}-\d{1,2}(-\d{1,2})?|\d{1,2}/\d{1,2}/\d{2,4})([ T].*)?$`)

// readCSVRows is readCSVLines before the cells of the columns it left out
// before the values (lead: an unnamed index, the rows' names) are checked.
func readCSVRows(r io.Reader, missing bool, lines *[]int, want Want, label *labelColumn, cats *categoryReader) (points.Points, []string, []*rowIndex, byte, error) {
	parse := parseCell
	if missing {
		parse = parseMaybeMissing
	}
	lr, err := newLineReader(r)
	if err != nil {
		return points.Points{}, nil, nil, 0, err
	}
	var (
		p      points.Points
		header []string
		sep    byte // the cells' separator, from the first line
		lead   []*rowIndex
		buf    []string // a line's cells
		cells  []string // those of a point's values, once the label's and the index's are out
		first  = true
	)
	// fileColumn is the file's column (from 0) of a point's value j.
	fileColumn := func(j int) int {
		if cats != nil {
			j = beforeLeaving(cats.left, j)
		}
		return label.fileColumn(j) + len(lead)
	}
	rows := cellReader{lr: lr}
	for {
		var err error
		if buf, err = rows.next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return points.Points{}, nil, nil, 0, err
		}
		sep = rows.sep
		cells = buf
		if first {
			first = false
			if h, index, ok := headerOf(cells, &rows, missing, want); ok {
				header = h
				if index {
					lead = []*rowIndex{{column: 1}}
				}
				continue
			}
		}
		for _, x := range lead {
			if err := x.take(cells[0], rows.line, missing); err != nil {
				return points.Points{}, nil, nil, 0, err
			}
			cells = cells[1:]
		}
		if p.N == 0 && len(lead) < 2 && (rowNames(header, cells, label, len(lead)) || missingRowName(header, cells, missing, want)) && !cats.names(header[0], len(lead)+1) {
			names := &rowIndex{name: header[0], column: len(lead) + 1}
			lead, header = append(lead, names), header[1:]
			if err := names.take(cells[0], rows.line, missing); err != nil {
				return points.Points{}, nil, nil, 0, err
			}
			cells = cells[1:]
		}
		if label != nil {
			if p.N == 0 {
				if err := label.resolve(header, len(cells), len(lead)); err != nil {
					return points.Points{}, nil, nil, 0, err
				}
				if len(cells) < 2 {
					return points.Points{}, nil, nil, 0, errors.New("the label column is the file's only column: nothing is left to learn")
				}
				if header != nil && len(header) == len(cells) {
					label.name = header[label.index]
					header = slices.Delete(header, label.index, label.index+1)
				}
			}
			if label.index >= len(cells) {
				return points.Points{}, nil, nil, 0, fmt.Errorf("line %d has %d columns, too few for the label column (column %d)", rows.line, len(buf), label.index+1+len(buf)-len(cells))
			}
			label.cells = append(label.cells, strings.TrimSpace(cells[label.index]))
			cells = slices.Delete(cells, label.index, label.index+1)
		}
		// A first row that does not fit its header is refused below, by
		// the count of its columns, before any column is looked for.
		fits := header == nil || len(header) == len(cells)
		if cats != nil && p.N == 0 && fits && len(cats.leave) > 0 {
			// Nothing is left out yet: fileColumn counts every cell.
			if err := cats.resolveLeaveOut(header, len(cells), fileColumn); err != nil {
				return points.Points{}, nil, nil, 0, err
			}
			if header != nil {
				header = cats.leaveOut(header)
			}
		}
		if cats != nil && len(cats.left) > 0 && (p.N > 0 || fits) {
			if len(cells) <= cats.left[len(cats.left)-1] {
				return points.Points{}, nil, nil, 0, fmt.Errorf("line %d has %d columns, too few for the columns left out (data.leave_out)", rows.line, len(buf))
			}
			cells = cats.leaveOut(cells)
		}
		if cats != nil && p.N == 0 && fits {
			if err := cats.resolve(header, len(cells), fileColumn); err != nil {
				return points.Points{}, nil, nil, 0, err
			}
		}
		// Counts the file's columns, the row index's and the label's too.
		extra := len(buf) - len(cells)
		if p.D == 0 {
			p.D = len(cells)
			if header != nil && len(header) != p.D {
				return points.Points{}, nil, nil, 0, fmt.Errorf("line %d has %d columns, want %d like the header row", rows.line, len(buf), len(header)+extra)
			}
			if want.D > 0 && p.D != want.D {
				return points.Points{}, nil, nil, 0, fmt.Errorf("line %d has %d columns, want %d", rows.line, len(buf), want.D+extra)
			}
		} else if len(cells) != p.D {
			return points.Points{}, nil, nil, 0, fmt.Errorf("line %d has %d columns, want %d like the rows before it", rows.line, len(buf), p.D+extra)
		}
		if len(p.X) > maxValues-p.D {
			return points.Points{}, nil, nil, 0, fmt.Errorf("line %d: more than %d values in all, the limit (MaxValues, 8 GiB as float64)", rows.line, maxValues)
		}
		if p.N == 0 && header == nil {
			numbers := cells
			if cats != nil {
				numbers = slices.Clone(cells)
				for j := range numbers {
					if cats.state(j) != nil {
						numbers[j] = "0" // a name belongs there
					}
				}
			}
			if err := checkFirstRow(numbers, rows.line, parse, fileColumn); err != nil {
				return points.Points{}, nil, nil, 0, err
			}
		}
		if len(p.X)+len(cells) > cap(p.X) {
			if p.X, err = growValues(p.X, len(cells), rows.line, want); err != nil {
				return points.Points{}, nil, nil, 0, err
			}
		}
		for j, cell := range cells {
			if c := cats.state(j); c != nil {
				v, err := c.code(cell, missing)
				if err == errUnknownName {
					if cats.unknown == 0 {
						cats.firstUnknown = fmt.Sprintf("line %d, column %d: %s (column %s)", rows.line, fileColumn(j)+1, quoteCell(strings.TrimSpace(cell)), c.col.Column)
					}
					cats.unknown++
					if cats.given == nil {
						cats.given = map[[2]int]string{}
					}
					cats.given[[2]int{p.N, j}] = strings.TrimSpace(cell)
					err = nil
				}
				if err != nil {
					return points.Points{}, nil, nil, 0, fmt.Errorf("line %d, column %d: %w", rows.line, fileColumn(j)+1, err)
				}
				p.X = append(p.X, v)
				continue
			}
			v, ok := parse(cell)
			at, column := "", ""
			if !ok || math.IsInf(v, 0) || (math.IsNaN(v) && !missing) {
				at = fmt.Sprintf("line %d, column %d", rows.line, fileColumn(j)+1)
				if j < len(header) { // numbered as the file counts, named by its header too
					column = fmt.Sprintf(" (column %d is %s)", fileColumn(j)+1, header[j])
				}
			}
			if !ok {
				// A name where a number belongs is most often a column of
				// classes: say where those go.
				named := label == nil && isClassName(cell)
				switch {
				case missing && named:
					return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s is neither a number nor missing (an empty cell, NA, NaN or ?); %s%s", at, quoteCell(cell), classHint, column)
				case missing:
					return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s is neither a number nor missing (an empty cell, NA, NaN or ?)%s", at, quoteCell(cell), column)
				case named:
					return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s is not a number (%s)%s", at, quoteCell(cell), classHint, column)
				case isMissing(cell):
					// Read where every value is needed (a point to score).
					return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s, a missing value, where every value is needed%s", at, missingWords(cell), column)
				}
				return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s is not a number%s", at, quoteCell(cell), column)
			}
			if math.IsNaN(v) && !missing {
				return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s, a missing value, where every value is needed%s", at, missingWords(cell), column)
			}
			if math.IsInf(v, 0) {
				return points.Points{}, nil, nil, 0, fmt.Errorf("%s: %s is not finite; every value must be finite%s", at, quoteCell(cell), column)
			}
			p.X = append(p.X, v)
		}
		p.N++
		if lines != nil {
			*lines = append(*lines, rows.line)
		}
		if p.N == want.Rows {
			break
		}
	}
	if p.N == 0 && header != nil {
		return points.Points{}, nil, nil, 0, errors.New("no data rows after the header row")
	}
	if p.N == 0 {
		return points.Points{}, nil, nil, 0, errors.New("no data rows")
	}
	return p, header, lead, sep, nil
}

// growValues gives x room for n more values, checking the new array
// against the memory budget first: doubling while small, by a quarter once
// over 2^24 values (128 MiB), so that the last growth overshoots little.
// The budget is asked for want.Spare bytes a value so far too.
func growValues(x []float64, n, line int, want Want) ([]float64, error) {
	grow := cap(x)
	if cap(x) >= 1<<24 {
		grow = cap(x) / 4
	}
	c := min(max(cap(x)+grow, len(x)+n, 1024), max(maxValues, len(x)+n))
	need := 8*float64(c) + want.Spare*float64(len(x)+n)
	if err := checkMemory(need, fmt.Sprintf("line %d: %d values so far; room for %d%s", line, len(x), c, want.also())); err != nil {
		return nil, err
	}
	return append(make([]float64, 0, c), x...), nil
}

// parseCell parses a number, spaces around it allowed (inside quotes too);
// a value beyond float64's range counts as one (it is then infinite).
func parseCell(cell string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
	return v, err == nil || errors.Is(err, strconv.ErrRange)
}

// parseMaybeMissing is parseCell for a file with missing entries: an
// empty cell, NA, NaN (any case) or ? (the UCI repository's mark) is
// missing, read as NaN.
func parseMaybeMissing(cell string) (float64, bool) {
	switch c := strings.TrimSpace(cell); {
	case c == "", c == "?", strings.EqualFold(c, "na"), strings.EqualFold(c, "nan"):
		return math.NaN(), true
	}
	return parseCell(cell)
}

// allMissing is whether every cell marks a missing entry.
func allMissing(cells []string) bool {
	for _, c := range cells {
		if v, ok := parseMaybeMissing(c); !ok || !math.IsNaN(v) {
			return false
		}
	}
	return true
}

// isHeader is whether a first row is a header: every cell a name.
func isHeader(cells []string) bool {
	for _, c := range cells {
		if !isName(c) {
			return false
		}
	}
	return true
}

// headerOf is whether a CSV's first row is its header, its names then,
// and whether its empty first cell makes column 1 the rows' index; it
// sets rows.trailing where the header ends with a separator. Both readers
// of a CSV (readCSVRows, readCells) decide by it, so that they agree.
// Where missing values are read, a first row of missing markers (NA) is a
// row with every entry missing, not a header of columns named NA; read
// for a run (want), a row of the run's columns is its header, and for a
// run that learnt a headerless file a row of numbers is data, but for
// pandas' header after its index's empty cell.
func headerOf(cells []string, rows *cellReader, missing bool, want Want) (header []string, index, ok bool) {
	switch {
	case isHeader(cells) && !(missing && allMissing(cells)):
		return slices.Clone(cells), false, true
	case headerWithTrailing(cells) && !(missing && allMissing(cells[:len(cells)-1])):
		rows.trailing = true
		return slices.Clone(cells[:len(cells)-1]), false, true
	case len(cells) > 1 && cells[0] == "" && isHeader(cells[1:]) && !(missing && allMissing(cells[1:])):
		return slices.Clone(cells[1:]), true, true
	}
	if h, index, ok := runsHeader(cells, want); ok {
		return h, index, true
	}
	if h, index, ok := mixedHeader(cells, rows.quoted, rows); ok {
		return h, index, true
	}
	if h, index, trailing, ok := numberedHeader(cells, rows.peek); ok && (index || !(want.ForRun && len(want.Columns) == 0)) {
		rows.trailing = trailing
		return h, index, true
	}
	return nil, false, false
}

// numberedHeader is whether a first row that is not all names is still a
// header: its numbers are whole, in order and a constant step apart, as
// pandas names the columns of a DataFrame made from an array (0, 1, 2...)
// and a wide table names its years (1962, 1963...), beside any names (a
// country's code and name). An empty first cell is a row index's, as
// to_csv writes it, and an empty last cell a separator ending the line.
// Read as values, such a row was a point far from the others. A short
// run is also a headerless table's first row (0,1 in a table of flags;
// sin 0 and cos 0, then fractions, in a series): it takes four numbers,
// or years beside a name or three over a fraction, or a row index's empty
// cell or a name beside numbers over a fraction; and the next row does
// not step as the run does.
func numberedHeader(cells []string, next func() ([]string, error)) (header []string, index, trailing, ok bool) {
	core := cells
	if len(core) > 2 && strings.TrimSpace(core[0]) == "" {
		core, index = core[1:], true
	}
	if len(core) > 2 && strings.TrimSpace(core[len(core)-1]) == "" {
		core, trailing = core[:len(core)-1], true
	}
	run, years, named := numberRun(core)
	if run < 2 {
		return nil, false, false, false
	}
	after, err := next()
	if err != nil {
		return nil, false, false, false
	}
	// pandas' own: its index's empty cell, columns 0, 1... and the first
	// row numbered 0.
	pandas := index && !years && len(after) > 0 && strings.TrimSpace(after[0]) == "0"
	if index && len(after) > 0 {
		after = after[1:]
	}
	if trailing && len(after) > len(core) {
		after = after[:len(core)]
	}
	if inStep(core, after) {
		return nil, false, false, false
	}
	if index && !years && strings.TrimSpace(core[0]) != "0" {
		return nil, false, false, false // pandas numbers its columns from 0
	}
	fraction := slices.ContainsFunc(after, isFraction)
	if run >= 4 || pandas || years && (named || run >= 3 && fraction) || (index || named) && fraction {
		return slices.Clone(core), index, trailing, true
	}
	return nil, false, false, false
}

// mixedHeader is whether a first row of names and numbers is a header: a
// name (not a missing marker) stands over a number of the next row, as
// wide as it, where a column's name cannot be one of its values; or, the
// row's cells all quoted, a quoted number stands over an unquoted one (R's
// write.csv quotes every name of a header, "100" for the 100 metres, and
// no number). An empty first cell is a row index's, as for names. A row
// of names is a header by isHeader already, and a row of numbers that a
// quote does not mark is data.
func mixedHeader(cells []string, quoted []bool, c *cellReader) (header []string, index, ok bool) {
	core, q := cells, quoted
	if len(core) > 2 && strings.TrimSpace(core[0]) == "" {
		core, q, index = core[1:], q[1:], true
	}
	names, numbers, allQuoted := false, false, len(q) == len(core)
	for j, cell := range core {
		switch {
		case isNumber(cell):
			numbers = true
		case isName(cell) && !isMissing(cell) && !strings.Contains(cell, "#"): // "2 # note" is a comment, not a name
			names = true
		default:
			return nil, false, false
		}
		allQuoted = allQuoted && q[j]
	}
	if !numbers || !names && !allQuoted {
		return nil, false, false
	}
	after, err := c.peek()
	if err != nil || len(after) != len(cells) || len(c.aheadQuoted) != len(cells) {
		return nil, false, false
	}
	afterQuoted := c.aheadQuoted
	if index {
		after, afterQuoted = after[1:], afterQuoted[1:]
	}
	for j, cell := range core {
		if !isNumber(after[j]) {
			continue
		}
		if !isNumber(cell) || allQuoted && !afterQuoted[j] {
			return slices.Clone(core), index, true
		}
	}
	return nil, false, false
}

// numberRun is how many whole numbers, written as digits, cells hold
// among names, where they rise by a constant step from 0 or 1 by 1
// (columns numbered) or are all years from 1000 to 2999 (years); 0
// otherwise, or where a cell is neither. named says a name is among them.
func numberRun(cells []string) (run int, years, named bool) {
	var nums []int
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if n, err := strconv.Atoi(c); err == nil && c[0] != '+' && c[0] != '-' {
			nums = append(nums, n)
		} else if isName(c) {
			named = true
		} else {
			return 0, false, false
		}
	}
	if len(nums) < 2 {
		return 0, false, false
	}
	step := nums[1] - nums[0]
	for k := 1; k < len(nums); k++ {
		if nums[k]-nums[k-1] != step {
			return 0, false, false
		}
	}
	switch {
	case step == 1 && nums[0] >= 0 && nums[0] <= 1:
		return len(nums), false, named
	case step >= 1 && nums[0] >= 1000 && nums[len(nums)-1] <= 2999:
		return len(nums), true, named
	}
	return 0, false, false
}

// inStep is whether the next row holds whole numbers a constant step
// apart where a first row's run has its numbers (at least three): a
// table of consecutive numbers (1,2,3,4 then 5,6,7,8) has no header.
func inStep(first, next []string) bool {
	if len(next) != len(first) {
		return false
	}
	var nums []int
	for j, c := range first {
		if _, err := strconv.Atoi(strings.TrimSpace(c)); err != nil {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(next[j]))
		if err != nil {
			return false
		}
		nums = append(nums, n)
	}
	if len(nums) < 3 || nums[1] == nums[0] { // a constant row is no run
		return false
	}
	for k := 2; k < len(nums); k++ {
		if nums[k]-nums[k-1] != nums[1]-nums[0] {
			return false
		}
	}
	return true
}

// isFraction is whether a cell is a number that is not whole.
func isFraction(cell string) bool {
	v, ok := parseCell(cell)
	return ok && v != math.Trunc(v)
}

// isName is whether a cell is a column name: non-empty printable text that
// is not a number.
func isName(c string) bool {
	if _, num := parseCell(c); num || c == "" || !utf8.ValidString(c) {
		return false
	}
	for _, r := range c {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// checkFirstRow explains a first row that is neither a header nor numbers:
// in a row with numbers, the first cell that is not one; in a row without,
// the first that is not a name.
func checkFirstRow(cells []string, lineNo int, parse func(string) (float64, bool), fileColumn func(int) int) error {
	numbers := false
	for _, c := range cells {
		if _, num := parse(c); num {
			numbers = true
		}
	}
	for j, c := range cells {
		if _, num := parse(c); numbers && !num {
			return fmt.Errorf("line %d, column %d: %s is not a number; a header row must be all names, comments take a whole line starting with #", lineNo, fileColumn(j)+1, quoteCell(c))
		}
		if !numbers && !isName(c) {
			return fmt.Errorf("line %d, column %d: %s is neither a number nor a name (printable text); a header row must be all names, comments take a whole line starting with #", lineNo, fileColumn(j)+1, quoteCell(c))
		}
	}
	return nil
}

// missingWords names a missing value's cell for an error: "an empty
// cell", or the marker quoted.
func missingWords(cell string) string {
	if strings.TrimSpace(cell) == "" {
		return "an empty cell"
	}
	return quoteCell(strings.TrimSpace(cell))
}

// quoteCell quotes a cell for an error message, cut short if long.
func quoteCell(c string) string {
	if len(c) > 40 {
		return strconv.Quote(c[:40]) + "..."
	}
	return strconv.Quote(c)
}

// splitCSV appends line's cells to cells, each with the spaces around it
// trimmed and its quotes, if any, undone, and says which were quoted
// (appended to *quoted, one a cell).
func splitCSV(cells []string, quoted *[]bool, line string, lineNo int, sep byte) ([]string, error) {
	for col := 1; ; col++ {
		if col > MaxColumns {
			return nil, fmt.Errorf("line %d has more than %d columns (MaxColumns)", lineNo, MaxColumns)
		}
		line = strings.TrimLeftFunc(line, unicode.IsSpace)
		var cell string
		*quoted = append(*quoted, strings.HasPrefix(line, `"`))
		if strings.HasPrefix(line, `"`) {
			var b strings.Builder
			i := 1
			for {
				k := strings.IndexByte(line[i:], '"')
				if k < 0 {
					return nil, fmt.Errorf("line %d, column %d: a quoted cell must end on its line", lineNo, col)
				}
				b.WriteString(line[i : i+k])
				i += k + 1
				if i < len(line) && line[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			cell, line = b.String(), strings.TrimLeftFunc(line[i:], unicode.IsSpace)
			if line != "" && line[0] != sep {
				return nil, fmt.Errorf("line %d, column %d: text after the closing quote", lineNo, col)
			}
		} else {
			k := strings.IndexByte(line, sep)
			if k < 0 {
				k = len(line)
			}
			cell, line = strings.TrimRightFunc(line[:k], unicode.IsSpace), line[k:]
		}
		if sep == ';' {
			cell = decimalComma(cell)
		}
		cell = plainNumber(cell, sep)
		cells = append(cells, cell)
		if line == "" {
			return cells, nil
		}
		line = line[1:] // the separator
	}
}

// classHint says where a column of class names goes.
const classHint = "a column of names is read as each row's class by data.label_column, or as a category by data.categories; a few names among numbers are neither"

// separator is the cells' separator of a file whose first line is line:
// a comma, or, in a line without one, a semicolon (a spreadsheet's CSV
// where a comma is the decimal point) or a tab.
func separator(line string) byte {
	switch {
	case strings.Contains(line, ","):
	case strings.Contains(line, ";"):
		return ';'
	case strings.Contains(line, "\t"):
		return '\t'
	}
	return ','
}

// thousands is a number written with commas between its thousands,
// 1,234,567.89, as a spreadsheet quotes it in a comma-separated file.
var thousands = regexp.MustCompile(`^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$`)

// plainNumber reads a number written for people as the number: a
// percentage, 12.5%, as 12.5 (the column's unit), and in a file of comma
// separators one with commas between its thousands, "1,234", as 1234.
// Read as names, such a column mostly differs and was left out, said as
// an id's would be.
func plainNumber(cell string, sep byte) string {
	c := strings.TrimSpace(cell)
	if p, ok := strings.CutSuffix(c, "%"); ok && isNumber(strings.TrimSpace(p)) {
		return strings.TrimSpace(p)
	}
	if sep == ',' && thousands.MatchString(c) {
		return strings.ReplaceAll(c, ",", "")
	}
	return cell
}

// decimalComma reads a cell of a semicolon-separated file, 2,5, as the
// number 2.5 its comma makes it.
func decimalComma(cell string) string {
	if strings.Count(cell, ",") != 1 || strings.Contains(cell, ".") {
		return cell
	}
	if dotted := strings.Replace(cell, ",", ".", 1); isNumber(dotted) {
		return dotted
	}
	return cell
}

// separatorNote says, for the start-up line, how a file's cells were
// separated where it was not by commas.
func separatorNote(sep byte) string {
	switch sep {
	case ';':
		return "cells separated by semicolons, a comma in a number read as its decimal point"
	case '\t':
		return "cells separated by tabs"
	}
	return ""
}

// cellReader reads a CSV's rows as cells: lines of a lineReader, a
// byte-order mark dropped, comments and empty lines skipped, split by the
// separator its first line shows.
type cellReader struct {
	lr  *lineReader
	sep byte
	buf []string
	// trailing says each line ends with a separator, as a header row
	// that ends with one shows (a spreadsheet's export): the empty cell
	// after it is dropped from every line that has it.
	trailing bool
	// line is the file's line of the row next returned: a row read
	// ahead (peek) has moved the line reader past it.
	line int
	// ahead is the row peek read, with its line and error, for next.
	ahead     []string
	aheadLine int
	aheadErr  error
	hasAhead  bool
	// quoted says which of the row's cells were quoted, the row next
	// returned (or read ahead, aheadQuoted) last.
	quoted, aheadQuoted []bool
}

// peek reads the row after the one next returned last, which stays
// valid, and keeps it for the next call of next; io.EOF after the last.
func (c *cellReader) peek() ([]string, error) {
	if !c.hasAhead {
		line, keep, keepQuoted := c.line, c.buf, c.quoted
		c.buf, c.quoted = c.ahead[:0], c.aheadQuoted[:0]
		c.ahead, c.aheadErr = c.read()
		c.aheadLine, c.aheadQuoted, c.hasAhead = c.lr.line, c.quoted, true
		c.buf, c.line, c.quoted = keep, line, keepQuoted
	}
	if c.aheadErr != nil {
		return nil, c.aheadErr
	}
	return c.ahead, nil
}

// headerWithTrailing is whether a first row is a header whose last cell
// is empty, a separator at the line's end: the header is the cells
// before it.
func headerWithTrailing(cells []string) bool {
	return len(cells) > 1 && strings.TrimSpace(cells[len(cells)-1]) == "" && isHeader(cells[:len(cells)-1])
}

// next returns the next row's cells (valid until the next call), or
// io.EOF after the last.
func (c *cellReader) next() ([]string, error) {
	if c.hasAhead {
		c.hasAhead = false
		c.buf, c.ahead = c.ahead, c.buf
		c.quoted, c.aheadQuoted = c.aheadQuoted, c.quoted
		c.line = c.aheadLine
		if c.aheadErr != nil {
			return nil, c.aheadErr
		}
		return c.dropTrailing(c.buf), nil
	}
	cells, err := c.read()
	c.line = c.lr.line
	if err != nil {
		return nil, err
	}
	return c.dropTrailing(cells), nil
}

// dropTrailing drops the empty cell a separator ending the line leaves,
// where every line ends with one (trailing): decided after a row read
// ahead may have been read.
func (c *cellReader) dropTrailing(cells []string) []string {
	if c.trailing && len(cells) > 1 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	return cells
}

// read reads the next row that is not a comment or blank into buf.
func (c *cellReader) read() ([]string, error) {
	for {
		line, err := c.lr.next()
		if err != nil {
			return nil, err
		}
		if c.lr.line == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if c.sep == 0 {
			c.sep = separator(line)
		}
		c.quoted = c.quoted[:0]
		c.buf, err = splitCSV(c.buf[:0], &c.quoted, line, c.lr.line, c.sep)
		return c.buf, err
	}
}

// lineReader reads lines of at most maxCSVLine bytes, counting them.
type lineReader struct {
	br   *bufio.Reader
	line int // the number of the line last returned, from 1
	buf  []byte
	eol  byte // the line ending: '\n' (or "\r\n"), or '\r' alone
}

// sniffBytes is how much of a CSV's start newLineReader looks at for
// its line ending, and textBytes how much for bytes no text holds.
const (
	sniffBytes = 64 << 10
	textBytes  = 4 << 10
)

// newLineReader is the one door of CSV text: it reads r's first bytes
// before any line, and refuses what is not text with what it is instead
// (compressed, a workbook, an image, UTF-16, binary), before a cell of it
// is taken for data. Lines end with \n or \r\n, or with \r alone where
// the first 64 KiB hold a \r and no \n (a spreadsheet's export on an old
// Mac).
func newLineReader(r io.Reader) (*lineReader, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := sniffText(head); err != nil {
		return nil, err
	}
	lr := &lineReader{br: br, eol: '\n'}
	if !bytes.Contains(head, []byte("\n")) && bytes.Contains(head, []byte("\r")) {
		lr.eol = '\r'
	}
	return lr, nil
}

// notText are the starts of files that are not CSV text, and what to do.
var notText = []struct{ magic, what string }{
	{"\x1f\x8b", "gzip-compressed; decompress it first (gunzip)"},
	{"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one), not CSV text; export the sheet as CSV"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 file (an Excel .xls workbook is one), not CSV text; export the sheet as CSV"},
	{"\x89PNG\r\n\x1a\n", "a PNG image, not CSV text"},
	{"\x93NUMPY", "a NumPy array, not CSV text; name it .npy"},
	{"\x00\x00\xfe\xff", "not UTF-8 text (UTF-32 big-endian, by its byte-order mark); save it as UTF-8 CSV"},
	{"\xff\xfe\x00\x00", "not UTF-8 text (UTF-32 little-endian, by its byte-order mark); save it as UTF-8 CSV"},
	{"\xfe\xff", "not UTF-8 text (UTF-16 big-endian, by its byte-order mark); save it as UTF-8 CSV"},
	{"\xff\xfe", "not UTF-8 text (UTF-16 little-endian, by its byte-order mark); save it as UTF-8 CSV"},
}

// sniffText refuses a CSV whose first bytes, head, are not text: a start
// in notText, a NUL byte in the first 4 KiB (UTF-16 or UTF-32 without a
// byte-order mark, or binary), or bytes that are not UTF-8 there along
// with control characters no text holds. Text in an 8-bit encoding
// (Latin-1, Windows-1252: names with accents) is still read; its names
// are bytes, as the file holds them.
func sniffText(head []byte) error {
	for _, m := range notText {
		if bytes.HasPrefix(head, []byte(m.magic)) {
			return errors.New(m.what)
		}
	}
	head = head[:min(len(head), textBytes)]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Errorf("not UTF-8 text (a NUL byte at offset %d: UTF-16 without a byte-order mark? or binary); save it as UTF-8 CSV", i)
	}
	control := bytes.IndexFunc(head, func(r rune) bool {
		return r < ' ' && r != '\t' && r != '\n' && r != '\v' && r != '\f' && r != '\r' && r != 0x1a && r != 0x1b
	})
	if control < 0 {
		return nil
	}
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 && utf8.FullRune(head[i:]) {
			return fmt.Errorf("not text (byte 0x%02x at offset %d is not UTF-8, and byte 0x%02x at offset %d a control character: a binary file?); want CSV text", head[i], i, head[control], control)
		}
		i += n
	}
	return nil
}

// next returns the next line without its line ending, or io.EOF after
// the last.
func (lr *lineReader) next() (string, error) {
	lr.line++
	lr.buf = lr.buf[:0]
	for {
		frag, err := lr.br.ReadSlice(lr.eol)
		lr.buf = append(lr.buf, frag...)
		if len(lr.buf) > maxCSVLine+2 {
			return "", fmt.Errorf("line %d is longer than %d bytes (16 MiB, the limit of a CSV line)", lr.line, maxCSVLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		if errors.Is(err, io.EOF) && len(lr.buf) == 0 {
			return "", io.EOF
		}
		line := bytes.TrimSuffix(lr.buf, []byte{lr.eol})
		if lr.eol == '\n' {
			line = bytes.TrimSuffix(line, []byte("\r"))
		}
		if len(line) > maxCSVLine {
			return "", fmt.Errorf("line %d is longer than %d bytes (16 MiB, the limit of a CSV line)", lr.line, maxCSVLine)
		}
		return string(line), nil
	}
}
