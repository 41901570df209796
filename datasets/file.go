package datasets

import (
	"bufio"
	"bytes"
	"encoding/binary"
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

// ReadFile reads points from a .csv or .npy file, chosen by extension.
//
// A CSV file has one point per row and one coordinate per column; a first row
// that is not numeric is taken as a header, and lines starting with # are
// comments. A .npy file holds a float64 or float32 array of shape (n, D), in C
// or Fortran order. Every value must be finite.
func ReadFile(path string) (Points, error) {
	read := map[string]func(io.Reader) (Points, error){".csv": ReadCSV, ".npy": ReadNPY}[strings.ToLower(filepath.Ext(path))]
	if read == nil {
		return Points{}, fmt.Errorf("datasets: %s: unknown extension %q, want .csv or .npy", path, filepath.Ext(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return Points{}, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	p, err := read(f)
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

// ReadNPY reads points from a NumPy array of shape (n, D); see ReadFile.
func ReadNPY(r io.Reader) (p Points, err error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Points{}, fmt.Errorf("datasets: %w", err)
	}
	if err := checkNPYHeader(b); err != nil {
		return Points{}, err
	}
	// npyio v0.9.0 panics on some malformed headers the check above does not
	// foresee (FuzzReadNPY): a bad file must be an error, never a crash.
	defer func() {
		if r := recover(); r != nil {
			p, err = Points{}, fmt.Errorf("datasets: malformed .npy file (%v)", r)
		}
	}()
	nr, err := npyio.NewReader(bytes.NewReader(b))
	if err != nil {
		return Points{}, fmt.Errorf("datasets: not a .npy file: %w", err)
	}
	desc := nr.Header.Descr
	if desc.Type != "<f8" && desc.Type != "<f4" {
		return Points{}, fmt.Errorf("datasets: .npy dtype %q, want float64 (<f8) or float32 (<f4)", desc.Type)
	}
	if len(desc.Shape) != 2 || desc.Shape[0] < 1 || desc.Shape[1] < 1 {
		return Points{}, fmt.Errorf("datasets: .npy shape %v, want (n, D) with n, D >= 1", desc.Shape)
	}
	var m mat.Dense
	if err := nr.Read(&m); err != nil {
		return Points{}, fmt.Errorf("datasets: reading .npy data: %w", err)
	}
	n, d := m.Dims()
	p = NewPoints(n, d)
	for i := 0; i < n; i++ {
		mat.Row(p.Row(i), i, &m)
	}
	return p, nil
}

// checkNPYHeader checks the fixed part of a .npy file (magic, version and
// header length) against the bytes actually there, before npyio, which
// trusts the length field, allocates and slices by it.
func checkNPYHeader(b []byte) error {
	const magic = "\x93NUMPY"
	if len(b) < 10 || string(b[:6]) != magic {
		return errors.New("datasets: not a .npy file (no \\x93NUMPY magic)")
	}
	start, length := 10, int(binary.LittleEndian.Uint16(b[8:10]))
	switch b[6] {
	case 1:
	case 2, 3:
		if len(b) < 12 {
			return errors.New("datasets: truncated .npy header")
		}
		start, length = 12, int(binary.LittleEndian.Uint32(b[8:12]))
	default:
		return fmt.Errorf("datasets: .npy format version %d.%d, want 1.x, 2.x or 3.x", b[6], b[7])
	}
	if length > len(b)-start {
		return fmt.Errorf("datasets: .npy header says %d bytes, the file has %d after it", length, len(b)-start)
	}
	return nil
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
