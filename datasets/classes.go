package datasets

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"scorenet/internal/safefile"
	"scorenet/points"
)

// ClassColumn is a table's column that holds each row's class rather than
// a measurement, found by FindNames or PixelGridLabelled.
type ClassColumn struct {
	// Column names it as data.label_column takes it: the header's name
	// where the file has a header, else its number from 1 (counting the
	// columns after a row index, as the reader does).
	Column string
	// Classes are the classes seen in the rows read, sorted: names, or
	// integers from 0 written as text.
	Classes []string
	// Why says what gave it away, for the start-up line.
	Why string
}

// Bounds of the rules that find a class column.
const (
	// MinRowsPerClass: a class column's classes repeat. A column of a
	// name or a number per row (a state, a person, an id) names rows, not
	// classes, and a class-conditional model of one row a class would
	// learn nothing it could share.
	MinRowsPerClass = 5
	// maxPixelClasses bounds the classes of a pixel table's label column:
	// an image set's labels are a few kinds (10 digits, 10 garments, 100
	// in CIFAR-100), an 8-bit pixel's levels up to 256.
	maxPixelClasses = 100
)

// NameColumns are what FindNames found in a table's columns of names.
type NameColumns struct {
	// Class is the class column, where HasClass.
	Class    ClassColumn
	HasClass bool
	// Categories are the other columns of names, as data.categories
	// names them: the header's name where the file has a header, else
	// the column's number from 1.
	Categories []string
	// Why says what the categories are, for the start-up line.
	Why string
	// LeaveOut are the columns of names that mostly differ (more than one
	// name for every 2 rows: an id, a person's name, a car's model),
	// names of rows rather than kinds, which no model learns from:
	// data.leave_out. WhyLeftOut says so for the start-up line.
	LeaveOut   []string
	WhyLeftOut string
	// Sparse are the columns missing in more than half the rows read,
	// among LeaveOut too: kept, they would leave out those rows under
	// data.missing: drop (one column of a table blank in 74% of its rows
	// left it a quarter of its rows). WhySparse says so for the start-up
	// line.
	Sparse    []string
	WhySparse string
	// numbers are the file's column numbers (from 1) of the class column
	// and the categories, by their names here.
	numbers map[string]int
	// measured counts the columns of numbers left to learn: neither left
	// out, nor the class, nor a category, nor the rows' names.
	measured int
}

// Same is whether column, as named here, is the column label names (a
// header name or a number from 1, as data.label_column takes it).
func (n NameColumns) Same(column, label string) bool {
	return column == label || strconv.Itoa(n.numbers[column]) == label
}

// minClassRows is the fewest rows of a class that makes a column of
// names the class column: a class needs rows on both sides of a split
// (30% held out of a small table), and a model given the class learns
// its rows alone. A column with a rarer name is a category: learnt with
// the others, which share what they can.
const minClassRows = 10

// FindNames reads the first rows of a CSV table and finds its columns of
// names (text that is neither a number nor a missing marker, at least
// half the cells). A column whose names mostly differ (more than one for
// every 2 rows: an id, a person's name, a car's model) names rows, not
// kinds, and is left out (data.leave_out). Of the others, a lone column
// of names only, whose names repeat (at most one for every
// MinRowsPerClass rows read, at most MaxClasses, each in minClassRows of
// the complete rows or more), is the class column, as iris's species is
// usually written: data.label_column. Otherwise each is a category
// (data.categories), its names learnt as a discrete column: a penguin's
// island and sex, a diamond's cut. A column of numbers with a stray name
// is neither: the reader names the name. Other errors are those of
// reading the file.
func FindNames(path string, rows int) (NameColumns, error) {
	found, err := findNames(path, rows, true)
	if err == nil && len(found.Sparse) > 0 && found.measured == 0 {
		// Left out, the sparse columns would leave no column of numbers
		// to learn (the rest ids, names or the class): keep them, and
		// the rows that have them.
		return findNames(path, rows, false)
	}
	return found, err
}

// findNames is FindNames, the sparse columns left out where sparse is set.
func findNames(path string, rows int, sparseOut bool) (NameColumns, error) {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return NameColumns{}, nil
	}
	r, err := safefile.Open(path)
	if err != nil {
		return NameColumns{}, fmt.Errorf("datasets: %w", err)
	}
	defer r.Close()
	header, cells, index, err := readCells(r, rows)
	if err != nil {
		return NameColumns{}, fmt.Errorf("datasets: %s: %w", path, err)
	}
	// texts are the columns of names only; the rows' names, which the
	// reader leaves out, are not among them.
	var texts []int
	rowNamesFirst := header != nil && len(cells) > 0 && !slices.ContainsFunc(cells[0], func(c string) bool { return !isRowName(c) }) && namesRows(trimmed(cells[0]))
	sparse := map[int]bool{}
	for j := range cells {
		if j == 0 && rowNamesFirst || len(cells[j]) == 0 {
			continue
		}
		if missing := countFunc(cells[j], isMissing); sparseOut && 2*missing > len(cells[j]) {
			sparse[j] = true
		}
	}

	for j := range cells {
		if j == 0 && rowNamesFirst || sparse[j] || !slices.ContainsFunc(cells[j], isClassName) {
			continue
		}
		if mostlyNames(cells[j]) || len(cells[j]) < rows && fewKinds(cells[j]) {
			texts = append(texts, j)
		}
	}
	column := func(j int) string {
		if header != nil && slices.Index(header, header[j]) == j && slices.Index(header[j+1:], header[j]) < 0 {
			return header[j]
		}
		return strconv.Itoa(j + 1 + b2i(index))
	}
	found := NameColumns{numbers: map[string]int{}}
	var levels, left, blank []string
	for j := range cells {
		if sparse[j] {
			found.LeaveOut = append(found.LeaveOut, column(j))
			found.Sparse = append(found.Sparse, column(j))
			found.numbers[column(j)] = j + 1 + b2i(index)
			blank = append(blank, fmt.Sprintf("%s (%d of its first %d cells missing)", column(j), countFunc(cells[j], isMissing), len(cells[j])))
		}
	}
	if len(blank) > 0 {
		found.WhySparse = strings.Join(blank, ", ")
	}
	// The rows data.missing: drop keeps once the sparse columns are out.
	var kept [][]string
	for j := range cells {
		if !sparse[j] {
			kept = append(kept, cells[j])
		}
	}
	for _, j := range texts {
		names := present(cells[j])
		if 2*len(names) > len(cells[j]) && len(names) > 2 {
			found.LeaveOut = append(found.LeaveOut, column(j))
			found.numbers[column(j)] = j + 1 + b2i(index)
			left = append(left, fmt.Sprintf("%s (%d different names in the first %d rows)", column(j), len(names), len(cells[j])))
			continue
		}
		found.Categories = append(found.Categories, column(j))
		found.numbers[column(j)] = j + 1 + b2i(index)
		counted := ""
		if len(cells[j]) >= rows {
			// The data line counts the whole file's (AER's ResumeNames: 12
			// here, 13 there).
			counted = fmt.Sprintf(" in the first %d rows", rows)
		}
		if inTime, dates := dateOrder(names); dates { // listed as they are numbered
			idx := make([]int, len(names))
			for k := range idx {
				idx[k] = k
			}
			slices.SortStableFunc(idx, inTime)
			inOrder := make([]string, len(names))
			for k, i := range idx {
				inOrder[k] = names[i]
			}
			names = inOrder
		}
		levels = append(levels, fmt.Sprintf("%s (%d%s: %s)", column(j), len(names), counted, listSome(names, 3)))
	}
	// The rows' numbers in order, first, are left out below (not after a
	// pandas index: then by idNumbers).
	numbersFirst := header != nil && !index && !rowNamesFirst && len(cells) > 1 && rowNumbers(header[0], cells[0])
	for j := range cells {
		if header == nil || j == 0 && (rowNamesFirst || numbersFirst) || sparse[j] || slices.Contains(texts, j) {
			continue
		}
		if distinct, ok := idNumbers(header[j], cells[j], len(cells[j]) < rows); ok {
			found.LeaveOut = append(found.LeaveOut, column(j))
			found.numbers[column(j)] = j + 1 + b2i(index)
			left = append(left, fmt.Sprintf("%s (named as an id is, and %d different whole numbers in the first %d rows: numbers that name rows)", column(j), distinct, len(cells[j])))
		}
	}
	if numbersFirst {
		found.LeaveOut = append([]string{column(0)}, found.LeaveOut...)
		found.numbers[column(0)] = 1
		left = append([]string{fmt.Sprintf("%s (the rows' numbers, %s to %s in order)", column(0), strings.TrimSpace(cells[0][0]), strings.TrimSpace(cells[0][len(cells[0])-1]))}, left...)
	}
	if len(left) > 0 {
		found.WhyLeftOut = strings.Join(left, ", ")
	}
	// The class column needs another column to learn given it.
	others := len(cells) - b2i(rowNamesFirst) - len(found.LeaveOut) - 1
	if len(found.Categories) == 1 && others > 0 {
		j := found.numbers[found.Categories[0]] - 1 - b2i(index)
		classes := present(cells[j])
		n := len(cells[j])
		if len(classes) >= 2 && len(classes) <= MaxClasses && len(classes)*MinRowsPerClass <= n && !slices.ContainsFunc(cells[j], isNumber) &&
			!slices.ContainsFunc(cells[j], isMissing) && fewest(cells[j], complete(kept)) >= minClassRows {
			found.Class = ClassColumn{Column: column(j), Classes: classes,
				Why: fmt.Sprintf("its cells are names, %d classes in the first %d rows (%s)", len(classes), n, listSome(classes, 5))}
			found.HasClass, found.Categories = true, nil
			found.measured = others
			return found, nil
		}
	}
	if len(found.Categories) > 0 {
		found.Why = strings.Join(levels, ", ")
	}
	found.measured = len(cells) - b2i(rowNamesFirst) - len(found.LeaveOut) - len(found.Categories)
	return found, nil
}

// mostlyNames is whether a column's cells are names, at least half of
// those not missing: a category whose levels include a number (a car's
// drive: f, r or 4). A column of numbers with a stray word in it is not:
// the reader names the word.
// fewKinds is whether a column of names among numbers, read whole (the
// caller's to say: past its first rows it may hold more), holds no more
// than PlaceLevels values in all: a code, whose numbers are kinds as its
// names are (Cars93's cylinders: 3, 4, 5, 6, 8 and rotary), learnt as a
// category rather than refused for its names. A column of numbers with a
// stray word holds more values, and a rating whose names are only a
// missing value's other spellings (n/a, -, null) is numbers: the reader
// names the word.
func fewKinds(cells []string) bool {
	return slices.ContainsFunc(cells, func(c string) bool { return isClassName(c) && !missingSpelling(c) }) && len(present(cells)) <= PlaceLevels
}

// missingSpelling is whether a cell spells a missing value otherwise than
// the readers take one (an empty cell, NA, NaN, ?).
func missingSpelling(c string) bool {
	switch strings.ToLower(strings.TrimSpace(c)) {
	case "n/a", "#n/a", "n.a.", "na.", "-", "--", ".", "null", "nil", "none", "missing", "unknown", "not available":
		return true
	}
	return false
}

func mostlyNames(cells []string) bool {
	names, numbers := 0, 0
	for _, c := range cells {
		switch {
		case isClassName(c):
			names++
		case isNumber(c):
			numbers++
		}
	}
	return names >= numbers
}

// isMissing is whether a cell is a missing marker.
func isMissing(cell string) bool {
	v, ok := parseMaybeMissing(cell)
	return ok && math.IsNaN(v)
}

// complete is whether each row has no missing cell: the rows that
// data.missing: drop keeps.
func complete(cols [][]string) []bool {
	if len(cols) == 0 {
		return nil
	}
	ok := make([]bool, len(cols[0]))
	for i := range ok {
		ok[i] = true
		for _, col := range cols {
			if isMissing(col[i]) {
				ok[i] = false
				break
			}
		}
	}
	return ok
}

// trimmed are cells without the spaces around them, as the reader reads
// them.
func trimmed(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.TrimSpace(c)
	}
	return out
}

// present are the names among cells (numbers too, as names), sorted,
// without missing markers.
func present(cells []string) []string {
	var names []string
	for _, c := range cells {
		if !isMissing(c) {
			names = append(names, strings.TrimSpace(c))
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(names)))
}

// fewest is the count of the rarest name among the cells of the rows
// kept.
func fewest(cells []string, kept []bool) int {
	count := map[string]int{}
	for _, c := range cells {
		if isClassName(c) {
			count[strings.TrimSpace(c)] += 0 // a name only incomplete rows hold counts 0
		}
	}
	for i, c := range cells {
		if kept[i] {
			count[strings.TrimSpace(c)]++
		}
	}
	least := 0
	if len(count) > 0 {
		least = math.MaxInt
	}
	for _, n := range count {
		least = min(least, n)
	}
	return least
}

// isClassName is whether a cell is a class's name: text that is neither
// a number nor a missing marker.
func isClassName(cell string) bool {
	v, ok := parseMaybeMissing(cell)
	return !ok && !math.IsNaN(v)
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isNumber is whether a cell is a number.
func isNumber(cell string) bool {
	_, ok := parseCell(cell)
	return ok
}

// readCells reads up to rows rows of CSV text as cells by column, after
// a header (returned; nil for none) and without a row index (index says
// whether there was one).
func readCells(r io.Reader, rows int) (header []string, cols [][]string, index bool, err error) {
	lr, err := newLineReader(r)
	if err != nil {
		return nil, nil, false, err
	}
	var buf []string
	lines := cellReader{lr: lr}
	for n := 0; n < rows; {
		if buf, err = lines.next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, false, err
		}
		cells := buf
		if cols == nil && header == nil {
			if h, lead, ok := headerOf(cells, &lines, false, Want{}); ok {
				header, index = h, lead
				continue
			}
		}
		if index && len(cells) > 0 {
			cells = cells[1:]
		}
		if cols == nil {
			cols = make([][]string, len(cells))
		}
		if len(cells) != len(cols) {
			break // the reader names the line
		}
		for j, c := range cells {
			cols[j] = append(cols[j], c)
		}
		n++
	}
	if header != nil && len(header) != len(cols) {
		header = nil
	}
	return header, cols, index, nil
}

// PixelGridLabelled reports whether a table is pixels (PixelGrid) once
// its first or its last column is taken out as each row's class: labelled
// images written one a row, as MNIST's CSVs are (label first) and
// scikit-learn's digits with its target (last). The column must hold
// integers from 0, from 2 to maxPixelClasses classes, at most one for
// every MinRowsPerClass rows and none in more than half the rows: an
// edge pixel, mostly background, is not a label, though the pixels
// either side of it, shifted by one, still make a grid. Where both ends
// qualify, the one of fewer classes is the label (a pixel has more
// levels than an image set has kinds). header names it, if the file has
// one.
func PixelGridLabelled(p points.Points, header []string) (Grid, ClassColumn, bool) {
	if p.D < 2 || len(header) > 0 && len(header) != p.D {
		return Grid{}, ClassColumn{}, false
	}
	best, bestK := -1, 0
	for _, j := range []int{0, p.D - 1} {
		if k, ok := pixelLabels(p, j); ok && (best < 0 || k < bestK) {
			best, bestK = j, k
		}
	}
	if best < 0 {
		return Grid{}, ClassColumn{}, false
	}
	rest := points.New(p.N, p.D-1)
	for i := range p.N {
		row := p.Row(i)
		copy(rest.Row(i)[:best], row[:best])
		copy(rest.Row(i)[best:], row[best+1:])
	}
	g, ok := PixelGrid(rest)
	if !ok {
		return Grid{}, ClassColumn{}, false
	}
	c := ClassColumn{Column: strconv.Itoa(best + 1)}
	if len(header) > 0 {
		c.Column = header[best]
	}
	for y := range bestK {
		c.Classes = append(c.Classes, strconv.Itoa(y))
	}
	which := "first"
	if best > 0 {
		which = "last"
	}
	c.Why = fmt.Sprintf("the %s column holds integers from 0 to %d beside %d columns of pixels", which, bestK-1, p.D-1)
	return g, c, true
}

// pixelLabels is the number of classes in column j when it could be a
// pixel table's labels (PixelGridLabelled).
func pixelLabels(p points.Points, j int) (int, bool) {
	count := map[int32]int{}
	k := 0
	for i := range p.N {
		y, ok := classOf(p.X[i*p.D+j])
		if !ok {
			return 0, false
		}
		count[y]++
		k = max(k, int(y)+1)
	}
	for _, n := range count {
		if 2*n > p.N {
			return 0, false
		}
	}
	return k, k >= 2 && k <= maxPixelClasses && k*MinRowsPerClass <= p.N
}

// listSome lists the first n of names, and how many more.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", ... %d in all", len(names))
}

// rowNumbers is whether a first column is the rows' numbers, as a
// spreadsheet or Kaggle's iris (Id, 1 to 150) writes them: named as an id
// or an index is, and numbering the rows read in order from 0 or 1. A
// model of the rows learns nothing from it (the sorted file's order, at
// most), and its samples would be numbers of no row.
func rowNumbers(name string, cells []string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "id", "index", "row", "rowid", "row_id", "no", "unnamed: 0":
	default:
		return false
	}
	if len(cells) < 2 {
		return false
	}
	first, err := strconv.Atoi(strings.TrimSpace(cells[0]))
	if err != nil || (first != 0 && first != 1) {
		return false
	}
	for i, c := range cells {
		if n, err := strconv.Atoi(strings.TrimSpace(c)); err != nil || n != first+i {
			return false
		}
	}
	return true
}

// idNumbers is whether a column of whole numbers is an id: named as one
// is (id, ID, key, a name ending in _id, .id or Id: PassengerId, a
// CustomerID), and at least half of its present cells different, each
// number on two rows at most on average (a patient's two eyes or two
// events: survival's retinopathy and colon). Its numbers name rows (a
// patient, a sample's code), not an amount: a model learns their spread,
// and its samples invent ids (mlbench's BreastCancer: 523 different
// sample codes in 559 rows, skewness 13, quantile-mapped and drawn). A
// panel's subject, on many rows each, is kept. Where cells are only the
// file's first rows (whole false), nine in ten must differ: a panel
// written wave by wave shows each subject once in its first rows.
// distinct is how many differ.
func idNumbers(name string, cells []string, whole bool) (distinct int, ok bool) {
	if !idName(name) {
		return 0, false
	}
	seen := map[int64]bool{}
	present := 0
	for _, c := range cells {
		if isMissing(c) {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64)
		if err != nil {
			return 0, false
		}
		present++
		seen[n] = true
	}
	if !whole {
		return len(seen), present >= 10 && 10*len(seen) >= 9*present
	}
	return len(seen), present >= 10 && 2*len(seen) >= present
}

// idName is whether a column's name is an id's: id, key, index, rowid,
// uid, or a name ending in _id, .id, -id or " id", or in Id or ID after a
// lower-case letter (camel case).
func idName(name string) bool {
	name = strings.TrimSpace(name)
	lower := strings.ToLower(name)
	switch lower {
	case "id", "key", "index", "rowid", "row_id", "uid", "unnamed: 0":
		return true
	}
	for _, suffix := range []string{"_id", ".id", "-id", " id"} {
		if strings.HasSuffix(lower, suffix) {
			return true
		}
	}
	if n := len(name); n > 2 && (strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID")) {
		r := name[n-3]
		return r >= 'a' && r <= 'z'
	}
	return false
}

// countFunc counts the cells for which f holds.
func countFunc(cells []string, f func(string) bool) int {
	n := 0
	for _, c := range cells {
		if f(c) {
			n++
		}
	}
	return n
}
