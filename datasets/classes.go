package datasets

import (
	"bufio"
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
// a measurement, found by FindClassColumn or PixelGridLabelled.
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

// FindClassColumn reads the first rows of a CSV table and finds its
// class column: the one column whose cells include names (text that is
// neither a number nor a missing marker) and no numbers, as iris's
// species is usually written, when its names repeat (at most one for
// every MinRowsPerClass rows read, at most MaxClasses). Such a column
// cannot be learnt as a number, and its names are what data.label_column
// reads. It finds none in a table of numbers only; a table of names in
// two columns or more is a *NamesError, naming them. Other errors are
// those of reading the file's lines.
func FindClassColumn(path string, rows int) (ClassColumn, bool, error) {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return ClassColumn{}, false, nil
	}
	r, err := safefile.Open(path)
	if err != nil {
		return ClassColumn{}, false, fmt.Errorf("datasets: %w", err)
	}
	defer r.Close()
	header, cells, index, err := readCells(r, rows)
	if err != nil {
		return ClassColumn{}, false, fmt.Errorf("datasets: %s: %w", path, err)
	}
	// named are the columns with a name among their cells, texts those
	// of names only; the rows' names, which the reader leaves out, are
	// neither.
	var named, texts []int
	rowNamesFirst := header != nil && len(cells) > 0 && !slices.ContainsFunc(cells[0], func(c string) bool { return !isRowName(c) }) && distinct(cells[0])
	for j := range cells {
		if j == 0 && rowNamesFirst || !slices.ContainsFunc(cells[j], isClassName) {
			continue
		}
		named = append(named, j)
		if !slices.ContainsFunc(cells[j], isNumber) {
			texts = append(texts, j)
		}
	}
	if len(texts) > 1 {
		var names []string
		for _, j := range texts {
			name := fmt.Sprintf("column %d", j+1+b2i(index))
			if header != nil {
				name += " (" + header[j] + ")"
			}
			names = append(names, name)
		}
		return ClassColumn{}, false, &NamesError{Path: path, Columns: names}
	}
	// One column with names, and names only: a column of numbers with a
	// stray word in it is not a class column, and the reader names the word.
	if len(named) != 1 || len(texts) != 1 {
		return ClassColumn{}, false, nil
	}
	text := texts[0]
	classes := slices.Compact(slices.Sorted(slices.Values(cells[text])))
	n := len(cells[text])
	if len(classes) < 2 || len(classes) > MaxClasses || len(classes)*MinRowsPerClass > n {
		return ClassColumn{}, false, nil
	}
	c := ClassColumn{Column: strconv.Itoa(text + 1 + b2i(index)), Classes: classes}
	if header != nil && slices.Index(header, header[text]) == text && slices.Index(header[text+1:], header[text]) < 0 {
		c.Column = header[text]
	}
	c.Why = fmt.Sprintf("its cells are names, %d classes in the first %d rows (%s)", len(classes), n, listSome(classes, 5))
	return c, true, nil
}

// isClassName is whether a cell is a class's name: text that is neither
// a number nor a missing marker.
func isClassName(cell string) bool {
	v, ok := parseMaybeMissing(cell)
	return !ok && !math.IsNaN(v)
}

// NamesError says that a table has more than one column of names (text,
// not numbers): scorenet learns numbers, and takes one column of names
// as each row's class.
type NamesError struct {
	Path    string
	Columns []string
}

func (e *NamesError) Error() string {
	return fmt.Sprintf("datasets: %s: %s hold names, not numbers: scorenet learns numbers and takes one column of names as each row's class (data.label_column); name one so and leave the others out of the file, or write them as numbers (category codes)", e.Path, strings.Join(e.Columns, ", "))
}

// distinct is whether no two cells are the same.
func distinct(cells []string) bool {
	sorted := slices.Sorted(slices.Values(cells))
	return len(slices.Compact(sorted)) == len(cells)
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
	lr := lineReader{br: bufio.NewReaderSize(r, 64<<10)}
	var buf []string
	lines := cellReader{lr: &lr}
	for n := 0; n < rows; {
		if buf, err = lines.next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, false, err
		}
		cells := buf
		if cols == nil && header == nil {
			switch {
			case isHeader(cells):
				header = slices.Clone(cells)
				continue
			case len(cells) > 1 && cells[0] == "" && isHeader(cells[1:]):
				header, index = slices.Clone(cells[1:]), true
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
