package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"scorenet/points"
)

// MaxClasses bounds the classes of labelled data (mlp.MaxClasses).
const MaxClasses = 1 << 16

// Labels are the classes of a data set's points, one per point, from 0 to
// K-1.
type Labels struct {
	Of []int32
	K  int
	// Lines are a CSV's line numbers of the points (nil for other files),
	// for errors about a point's label.
	Lines []int
}

// Where names point i's label for an error: its line in a CSV, else its
// row from 0 (as NumPy and the IDX file count).
func (l Labels) Where(i int) string {
	if i < len(l.Lines) {
		return fmt.Sprintf("line %d", l.Lines[i])
	}
	return fmt.Sprintf("row %d (counting from 0)", i)
}

// LoadIDXLabelsFor reads an IDX label file for the n images of
// imagesPath: one label per image, in the images' order.
func LoadIDXLabelsFor(path string, n int, imagesPath string) (Labels, error) {
	raw, err := LoadIDXLabels(path)
	if err != nil {
		return Labels{}, err
	}
	if len(raw) != n {
		return Labels{}, fmt.Errorf("datasets: %s: %d labels for the %d images of %s: the label file must be the images' own (train-labels for train-images)", path, len(raw), n, imagesPath)
	}
	l := Labels{Of: make([]int32, n)}
	for i, y := range raw {
		l.Of[i] = int32(y)
		l.K = max(l.K, y+1)
	}
	return l, nil
}

// TakeLabelColumn removes the column named by column (a header name, or
// its number from 1) from f's points and returns it as labels: integers
// from 0, each row's class.
func TakeLabelColumn(f *File, column string) (Labels, error) {
	lc := labelColumn{column: column}
	if err := lc.resolve(f.Header, f.D, 0); err != nil {
		return Labels{}, fmt.Errorf("datasets: %s: %w", f.Path, err)
	}
	c := lc.index
	if f.D < 2 {
		return Labels{}, fmt.Errorf("datasets: %s: the label column is the file's only column: nothing is left to learn", f.Path)
	}
	l := Labels{Of: make([]int32, f.N)}
	for r := range f.N {
		v := f.X[r*f.D+c]
		y, ok := classOf(v)
		if !ok {
			return Labels{}, noLabelColumn{fmt.Errorf("datasets: %s: label %v is not a class: want an integer from 0 to %d", f.Where(r, c), v, MaxClasses-1)}
		}
		l.Of[r] = y
		l.K = max(l.K, int(y)+1)
	}
	// The other columns, packed left in place.
	d := f.D - 1
	for r := range f.N {
		row := f.X[r*f.D : (r+1)*f.D]
		dst := f.X[r*d : (r+1)*d]
		copy(dst[:c], row[:c])
		copy(dst[c:], row[c+1:])
	}
	f.Points, f.label = points.Points{N: f.N, D: d, X: f.X[:f.N*d]}, c+1
	if len(f.Header) == d+1 {
		f.Header = append(f.Header[:c:c], f.Header[c+1:]...)
	}
	return l, nil
}

// classOf is v as a class, if it is one: an integer from 0 below
// MaxClasses.
func classOf(v float64) (int32, bool) {
	if v != math.Trunc(v) || v < 0 || v >= MaxClasses {
		return 0, false
	}
	return int32(v), true
}

// Counts are how many points each class has; a point whose label is
// missing (-1, read where missing values are) counts for none.
func (l Labels) Counts() []int {
	n := make([]int, l.K)
	for _, y := range l.Of {
		if y >= 0 {
			n[y]++
		}
	}
	return n
}

// SplitInPlaceLabelled is SplitInPlace with each point's label (nil:
// none) moved with it: the same split of the points, and the labels of
// each part.
func SplitInPlaceLabelled(p points.Points, labels []int32, holdout float64, rng *rand.Rand) (train, valid points.Points, trainLabels, validLabels []int32, err error) {
	if labels != nil && len(labels) != p.N {
		return train, valid, nil, nil, fmt.Errorf("datasets: %d labels for %d points", len(labels), p.N)
	}
	h, err := heldOut(p.N, holdout)
	if err != nil {
		return train, valid, nil, nil, err
	}
	perm := rng.Perm(p.N)
	permuteRows(p, perm)
	n := p.N - h
	train, valid = points.Points{N: n, D: p.D, X: p.X[:n*p.D]}, points.Points{N: h, D: p.D, X: p.X[n*p.D:]}
	if labels == nil {
		return train, valid, nil, nil, nil
	}
	moved := make([]int32, p.N)
	for k, from := range perm {
		moved[k] = labels[from]
	}
	copy(labels, moved)
	return train, valid, labels[:n], labels[n:], nil
}
