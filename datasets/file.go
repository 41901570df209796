package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// ReadFile reads points from a .csv or .npy file, chosen by extension.
//
// A CSV file has one point per row and one coordinate per column; a first row
// that is not numeric is taken as a header, and lines starting with # are
// comments. A .npy file holds a float64 or float32 little-endian array of
// shape (n, D), in C or Fortran order, and its size must match the header's
// shape. Either holds at most MaxValues values. Every value must be finite.
func ReadFile(path string) (Points, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".csv" && ext != ".npy" {
		return Points{}, fmt.Errorf("datasets: %s: unknown extension %q, want .csv or .npy", path, filepath.Ext(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return Points{}, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	if ext == ".npy" {
		p, _, err := readNPY(f)
		if err != nil {
			return Points{}, fmt.Errorf("datasets: %s: %w", path, err)
		}
		return p, nil
	}
	p, err := ReadCSV(f)
	if err == nil {
		err = p.CheckFinite()
	}
	if err != nil {
		return Points{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ReadCSV reads points from CSV text; see ReadFile.
func ReadCSV(r io.Reader) (Points, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	var p Points
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Points{}, fmt.Errorf("datasets: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row := make([]float64, len(rec))
		bad := -1
		for j, cell := range rec {
			if row[j], err = strconv.ParseFloat(strings.TrimSpace(cell), 64); err != nil && bad < 0 {
				bad = j
			}
		}
		if bad >= 0 {
			if first {
				continue // a header row
			}
			return Points{}, fmt.Errorf("datasets: line %d, column %d: %q is not a number", line, bad+1, rec[bad])
		}
		if p.D == 0 {
			p.D = len(row)
		} else if len(row) != p.D {
			return Points{}, fmt.Errorf("datasets: line %d has %d columns, want %d like the rows before it", line, len(row), p.D)
		}
		p.X = append(p.X, row...)
		p.N++
	}
	if p.N == 0 {
		return Points{}, errors.New("datasets: no data rows")
	}
	return p, nil
}

// WriteFile writes points to a .csv or .npy file, chosen by extension. CSV
// values are written in the shortest form that reads back to the same
// float64; .npy files hold a float64 array of shape (n, D).
func WriteFile(path string, p Points) error {
	var buf strings.Builder
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		for i := 0; i < p.N; i++ {
			for j, v := range p.Row(i) {
				if j > 0 {
					buf.WriteByte(',')
				}
				buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
			buf.WriteByte('\n')
		}
	case ".npy":
		if err := npyio.Write(&buf, mat.NewDense(p.N, p.D, p.X)); err != nil {
			return fmt.Errorf("datasets: %s: %w", path, err)
		}
	default:
		return fmt.Errorf("datasets: %s: unknown extension %q, want .csv or .npy", path, ext)
	}
	if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	return nil
}
