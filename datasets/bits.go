package datasets

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"scorenet/points"
)

// BitColumns is how many binary digits a category of n levels is learnt
// as under Category.Bits: enough to number every level, at least one.
func BitColumns(n int) int { return max(1, bits.Len(uint(max(n-1, 0)))) }

// Width is the model columns category c takes: its digits, or its place.
func (c Category) Width() int {
	if c.Bits {
		return BitColumns(len(c.Levels))
	}
	return 1
}

// ModelColumn is the model's column of value column j (a row as a file
// holds it, each category one column), where cats learn in binary digits:
// for such a category, its least significant digit's.
func ModelColumn(cats []Category, j int) int {
	m := j
	for _, c := range cats {
		if c.Index < j {
			m += c.Width() - 1
		}
	}
	return m
}

// ValueColumn is the value column that model column m is of (for a
// category's binary digit, the category's column).
func ValueColumn(cats []Category, m int) int {
	j := m
	for _, c := range cats {
		if ModelColumn(cats, c.Index) < m {
			j -= min(c.Width()-1, m-ModelColumn(cats, c.Index))
		}
	}
	return j
}

// ColumnLabel names model column m for the start-up lines and messages:
// by its header name where names (the value columns', as the data hold
// them) has it, "age" (with its place where the name is a number, "2
// (1)"), else by its place among the data's columns, from
// 1, "3", which a file counts otherwise where it has columns left out (an
// index, the rows' names, data.leave_out, the label); a category's digit
// as "state's binary digit 1" or "2 (state's binary digit 1)", least
// significant first.
func ColumnLabel(cats []Category, names []string, m int) string {
	j := ValueColumn(cats, m)
	named := j < len(names)
	if c, ok := BitsAt(cats, j); ok && named {
		return fmt.Sprintf("%s's binary digit %d", c.Column, m-ModelColumn(cats, j)+1)
	} else if ok {
		return fmt.Sprintf("%d (%s's binary digit %d)", j+1, c.Column, m-ModelColumn(cats, j)+1)
	}
	if named && isNumber(names[j]) { // a header of numbers (pandas' 0, 1...): "2 (1)", not "1"
		return fmt.Sprintf("%d (%s)", j+1, names[j])
	} else if named {
		return names[j]
	}
	return strconv.Itoa(j + 1)
}

// ValueColumns is how many columns a file holds for rows of d model
// columns.
func ValueColumns(cats []Category, d int) int {
	for _, c := range cats {
		d -= c.Width() - 1
	}
	return d
}

// HasBits reports whether any of cats is learnt in binary digits.
func HasBits(cats []Category) bool {
	for _, c := range cats {
		if c.Bits {
			return true
		}
	}
	return false
}

// ExpandBits is p (rows of value columns) with each Bits category's place
// written in binary digits, least significant first, each a column of 0
// and 1 in its place; a missing place (NaN) is missing digits. Without
// such a category it is p itself.
func ExpandBits(p points.Points, cats []Category) points.Points {
	if !HasBits(cats) {
		return p
	}
	d := p.D
	for _, c := range cats {
		d += c.Width() - 1
	}
	out := points.New(p.N, d)
	for i := range p.N {
		row, to := p.Row(i), out.Row(i)
		for j, v := range row {
			m := ModelColumn(cats, j)
			c, ok := BitsAt(cats, j)
			if !ok {
				to[m] = v
				continue
			}
			for b := range c.Width() {
				to[m+b] = math.NaN()
				if !math.IsNaN(v) {
					to[m+b] = float64(int(v) >> b & 1)
				}
			}
		}
	}
	return out
}

// ContractBits is the inverse of ExpandBits for rows of model columns
// (samples, imputed rows): each Bits category's digits, each rounded to 0
// or 1, read back as a place; a number no level has is the level whose
// digits differ from it in fewest places (the commonest among them:
// levels are numbered by their rows), and a missing digit is a missing
// place. Without such a category it is p itself.
func ContractBits(p points.Points, cats []Category) points.Points {
	if !HasBits(cats) {
		return p
	}
	d := ValueColumns(cats, p.D)
	out := points.New(p.N, d)
	for i := range p.N {
		row, to := p.Row(i), out.Row(i)
		for j := range d {
			m := ModelColumn(cats, j)
			c, ok := BitsAt(cats, j)
			if !ok {
				to[j] = row[m]
				continue
			}
			to[j] = LevelOfDigits(row[m:m+c.Width()], len(c.Levels))
		}
	}
	return out
}

// BitsAt is the Bits category at value column j, if one is.
func BitsAt(cats []Category, j int) (Category, bool) {
	for _, c := range cats {
		if c.Index == j && c.Bits {
			return c, true
		}
	}
	return Category{}, false
}

// LevelOfDigits is the place of the level of n whose binary digits are
// nearest digits (each rounded to 0 or 1; the commonest of ties), NaN
// where a digit is missing.
func LevelOfDigits(digits []float64, n int) float64 {
	code := 0
	for b, v := range digits {
		if math.IsNaN(v) {
			return math.NaN()
		}
		if v >= 0.5 {
			code |= 1 << b
		}
	}
	if code < n {
		return float64(code)
	}
	best, fewest := 0, len(digits)+1
	for k := range n {
		if diff := bits.OnesCount(uint(k ^ code)); diff < fewest {
			best, fewest = k, diff
		}
	}
	return float64(best)
}
