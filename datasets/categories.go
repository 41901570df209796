package datasets

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"scorenet/points"
)

// Category names a CSV column of names, each row's one of a few levels
// (a species, an island, yes or no), to read as the level's place among
// its levels: a number a model can learn, as a discrete column, and a
// name again once written back (WriteNamed).
type Category struct {
	// Column is its header name, or its number from 1 as the file counts
	// its columns.
	Column string
	// Index is its place among the points' values, from 0, as read. Given
	// (a run's), it is where a file the run wrote (Options.Width) holds
	// the column when its header does not name it.
	Index int
	// Levels are its names, a name read as its place among them. Given, a
	// cell not among them is an error; nil, they are the names the file
	// holds, the most frequent first (finish says why).
	Levels []string
	// Bits says the model learns the place in binary digits, one 0/1
	// column each (BitColumns), not as one column (ExpandBits). Found
	// levels set it for more than PlaceLevels of them; given levels keep
	// it as given (a run's config.yaml from before it reads as false, as
	// the run was trained).
	Bits bool
	// Follows names the category whose level gives this one's in every
	// row, and FollowLevels this one's level for each of its levels (-1
	// for one no row holds): FindFollows.
	Follows      string
	FollowLevels []int
	// Unseen are the names found only on rows with a missing value, which
	// data.missing: drop leaves out: no level (a level no training row
	// holds was drawn all the same: mlbench's Soybean, 4 of its 19
	// classes, 17 samples of 1000). Read again under given levels, such a
	// name is a missing value, as its row was the first time.
	Unseen []string
}

// PlaceLevels is the most levels a category found in its file is learnt
// as one column of places. Airports' 56 states so learnt put 37% of the
// samples inside their state's box of airports, 2.5 degrees from an
// airport of their state (the airports' own spacing: 0.3); in 6 binary
// digits (analog bits, Chen et al. 2022) 57% and 0.46 degrees: a place
// among many levels is resolved only at the smallest noise levels, after
// the other columns have settled, and a neighbouring place is another
// level whose rows lie elsewhere. A few levels, each a step of about a
// standard deviation, are resolved early as they are.
const PlaceLevels = 10

// ErrNotALevel is the error of a name that is not among a category's
// given levels.
var ErrNotALevel = errors.New("not a level")

// MaxLevels bounds the names of a category column: a column of more
// names than this names rows, not kinds.
const MaxLevels = 1 << 14

// categoryReader reads the cells of the category columns of a CSV, and
// leaves out the columns named to leave out (Options.LeaveOut).
type categoryReader struct {
	columns []*Category
	at      map[int]*categoryState // by the points' value index, once resolved
	leave   []string               // the columns to leave out, as named
	// left are their places among a row's cells once the label's is out,
	// sorted, once resolved.
	left []int
	// width is Options.Width: a row of as many values is a file the run
	// wrote.
	width int
	// unseenMissing is Options.UnseenMissing, unknownMissing
	// Options.UnknownMissing.
	unseenMissing, unknownMissing bool
	// unknown counts the names read as missing under unknownMissing, and
	// firstUnknown names the first: its line, column and name.
	unknown      int
	firstUnknown string
	// given are those names, by row and value column, to be written
	// back as given (File.Given).
	given map[[2]int]string
}

// written is whether a first row of n values (the label's out) is a file
// the run wrote (Options.Width).
func (r *categoryReader) written(n int) bool {
	return r != nil && r.width > 0 && n == r.width
}

// categoryState is one column's names while its rows are read.
type categoryState struct {
	col            *Category
	unseenMissing  bool           // read col.Unseen's names as missing values
	unknownMissing bool           // read any name that is no level as a missing value
	given          map[string]int // level name -> place, where the levels are given
	found          map[string]int // name -> its order of first appearance, where not
	names          []string       // the found names, in that order
	count          []int          // the rows of each found name
}

func newCategoryReader(cats []Category, leave []string) *categoryReader {
	if len(cats) == 0 && len(leave) == 0 {
		return nil
	}
	r := &categoryReader{leave: leave}
	for _, c := range cats {
		r.columns = append(r.columns, &Category{Column: c.Column, Levels: slices.Clone(c.Levels), Index: c.Index, Bits: c.Bits, Unseen: slices.Clone(c.Unseen)})
	}
	return r
}

// resolve finds each column among a first row's point values under header
// (nil: none, aligned with the values), fileColumn numbering a value's
// column (from 0) as the file counts them.
func (r *categoryReader) resolve(header []string, n int, fileColumn func(int) int) error {
	r.at = map[int]*categoryState{}
	for _, c := range r.columns {
		j := -1
		if i := slices.Index(header, c.Column); i >= 0 {
			j = i
		} else if r.written(n) && c.Index < n {
			j = c.Index
		} else if k, err := strconv.Atoi(c.Column); err == nil {
			for v := range n {
				if fileColumn(v) == k-1 {
					j = v
				}
			}
		}
		if j < 0 {
			names := ""
			if len(header) > 0 {
				names = " (the header names " + strings.Join(header, ", ") + ")"
			}
			return fmt.Errorf("data.categories: %q is not a column of values: want a header name or a column's number from 1 (not the label column, the rows' index or their names)%s", c.Column, names)
		}
		if r.at[j] != nil {
			return fmt.Errorf("data.categories: %q and %q are the same column", r.at[j].col.Column, c.Column)
		}
		c.Index = j
		s := &categoryState{col: c, unseenMissing: r.unseenMissing, unknownMissing: r.unknownMissing}
		if c.Levels != nil {
			s.given = map[string]int{}
			for k, name := range c.Levels {
				s.given[name] = k
			}
		} else {
			s.found = map[string]int{}
		}
		r.at[j] = s
	}
	return nil
}

// names is whether a category is the column of header name, or file
// column number (from 1).
func (r *categoryReader) names(name string, number int) bool {
	if r == nil {
		return false
	}
	for _, c := range r.columns {
		if c.Column == name || c.Column == strconv.Itoa(number) {
			return true
		}
	}
	return slices.Contains(r.leave, name) || slices.Contains(r.leave, strconv.Itoa(number))
}

// resolveLeaveOut finds the columns to leave out among a first row's n
// cells (the label's out) under header (nil: none, aligned with them),
// fileColumn numbering a cell's column (from 0) as the file counts them.
func (r *categoryReader) resolveLeaveOut(header []string, n int, fileColumn func(int) int) error {
	if r == nil || r.written(n) {
		return nil // a file the run wrote holds none of them
	}
	// The columns are gathered apart and set at the end: fileColumn reads
	// r.left, and would count the columns already found as left out.
	var left []int
	for _, c := range r.leave {
		j := slices.Index(header, c)
		if k, err := strconv.Atoi(c); j < 0 && err == nil {
			for i := range n {
				if fileColumn(i) == k-1 {
					j = i
				}
			}
		}
		if j < 0 {
			return fmt.Errorf("data.leave_out: %q is not a column of values: want a header name or a column's number from 1 (not the label column, the rows' index or their names)", c)
		}
		if slices.Contains(left, j) {
			return fmt.Errorf("data.leave_out: %q names a column named before it", c)
		}
		left = append(left, j)
	}
	slices.Sort(left)
	r.left = left
	if len(r.left) >= n {
		return errors.New("data.leave_out leaves out every column: nothing is left to learn")
	}
	return nil
}

// leaveOut takes the columns left out out of a row's cells.
func (r *categoryReader) leaveOut(cells []string) []string {
	if r == nil {
		return cells
	}
	for k := len(r.left) - 1; k >= 0; k-- {
		if j := r.left[k]; j < len(cells) {
			cells = slices.Delete(cells, j, j+1)
		}
	}
	return cells
}

// beforeLeaving is value j's place among a row's cells before the columns
// left out were taken out.
func beforeLeaving(left []int, j int) int {
	for _, l := range left {
		if l <= j {
			j++
		}
	}
	return j
}

// state is value column j's state, nil if it is no category's.
func (r *categoryReader) state(j int) *categoryState {
	if r == nil {
		return nil
	}
	return r.at[j]
}

// errUnknownName is code's error for a name that is no level, read as a
// missing value (unknownMissing): the caller counts it.
var errUnknownName = errors.New("a name that is no level, read as missing")

// code is the value of cell in category column s: its level's place (or,
// while the levels are found, the name's order of first appearance), NaN
// for a missing marker where missing values are read (and, with
// errUnknownName, for a name that is no level under unknownMissing).
func (s *categoryState) code(cell string, missing bool) (float64, error) {
	name := strings.TrimSpace(cell)
	if isMissing(cell) && missing {
		return math.NaN(), nil
	} else if isMissing(cell) {
		return 0, fmt.Errorf("%s in column %s (data.categories) is a missing value, where every value is needed: fill it in, or leave out its row", quoteCell(cell), s.col.Column)
	}
	if name == "" {
		return 0, fmt.Errorf("column %s (data.categories) is empty: want one of its names", s.col.Column)
	}
	if s.given != nil {
		k, ok := s.given[name]
		unseen := !ok && slices.Contains(s.col.Unseen, name)
		if unseen && s.unseenMissing {
			return math.NaN(), nil
		}
		if !ok && s.unknownMissing && missing {
			return math.NaN(), errUnknownName
		}
		if unseen {
			return 0, fmt.Errorf("%s is %w of column %s (data.categories): only rows with a missing value held it, and the run left them out, so its model never learnt it; want one of %s", quoteCell(name), ErrNotALevel, s.col.Column, listSome(s.col.Levels, 8))
		}
		if !ok {
			return 0, fmt.Errorf("%s is %w of column %s (data.categories): want one of %s", quoteCell(name), ErrNotALevel, s.col.Column, listSome(s.col.Levels, 8))
		}
		return float64(k), nil
	}
	k, ok := s.found[name]
	if !ok {
		if len(s.names) == MaxLevels {
			return 0, fmt.Errorf("column %s (data.categories) holds more than %d different names: it names rows, not a few kinds; leave it out (data.leave_out)", s.col.Column, MaxLevels)
		}
		k = len(s.names)
		s.found[name] = k
		s.names = append(s.names, name)
		s.count = append(s.count, 0)
	}
	s.count[k]++
	return float64(k), nil
}

// finish numbers the found names by their rows, the most frequent first
// (ties in sorted order), renumbering p's values. Learnt as a number, a
// column of names is smoothed by the model: a rare name numbered between
// two common ones would be given the mass between them (a survey's
// "Neither" between "Left" and "Right" took 40% of the samples for 5%
// of the rows). Numbered by frequency, the shares only fall from the
// first place to the last, and have no valley to fill. Dates are numbered
// in time instead (dateOrder).
func (r *categoryReader) finish(p points.Points, labelMissing []bool) []Category {
	out := make([]Category, 0, len(r.columns))
	complete := completeRows(p)
	for i, m := range labelMissing { // a row without its class is incomplete too (nil: none)
		complete[i] = complete[i] && !m
	}
	anyComplete := slices.Contains(complete, true)
	for _, c := range r.columns {
		s := r.at[c.Index]
		if s.given == nil {
			seen := make([]bool, len(s.names))
			for i := range p.N {
				if v := p.X[i*p.D+c.Index]; complete[i] && !math.IsNaN(v) {
					seen[int(v)] = true
				}
			}
			order := make([]int, 0, len(s.names))
			c.Unseen = nil
			for k, name := range s.names {
				if seen[k] || !anyComplete {
					order = append(order, k)
				} else {
					c.Unseen = append(c.Unseen, name)
				}
			}
			slices.Sort(c.Unseen)
			inTime, dates := dateOrder(s.names)
			slices.SortFunc(order, func(a, b int) int {
				switch {
				case dates:
					return inTime(a, b)
				case s.count[a] != s.count[b]:
					return s.count[b] - s.count[a]
				}
				return strings.Compare(s.names[a], s.names[b])
			})
			c.Levels = make([]string, len(order))
			place := make([]float64, len(s.names))
			for k := range place {
				place[k] = math.NaN() // an unseen name's cells: missing, as their rows' others
			}
			for i, k := range order {
				c.Levels[i] = s.names[k]
				place[k] = float64(i)
			}
			for i := range p.N {
				if v := &p.X[i*p.D+c.Index]; !math.IsNaN(*v) {
					*v = place[int(*v)]
				}
			}
			c.Bits = len(c.Levels) > PlaceLevels && !dates
		}
		out = append(out, *c)
	}
	return out
}

// completeRows marks the rows of p that hold no missing value.
func completeRows(p points.Points) []bool {
	out := make([]bool, p.N)
	for i := range p.N {
		out[i] = !slices.ContainsFunc(p.Row(i), math.IsNaN)
	}
	return out
}

// isoDate matches a date or a time as ISO 8601 writes it, year and month
// first, whose order as text is its order in time among dates of one
// form: 2014-01, 2014-01-01, 2014-01-01 21:55:00 (or with a T, or
// slashes). Four digits alone are as often a code as a year.
var isoDate = regexp.MustCompile(`^\d{4}[-/]\d{2}([-/]\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?)?$`)

// dateLayouts are the other ways tables write dates (Go's reference time,
// Mon Jan 2 15:04:05 2006), month first before day first: Vega's stocks'
// "Jan 1 2000", its political contributions' "01/31/2015", flights'
// "2001/01/01 00:47". A column's dates are all of one layout. Two-digit
// years are not dates here: Go reads 69 as 1969 and 60 as 2060, and
// "Jan-60".."Dec-79" came out of order.
var dateLayouts = []string{
	"1/2/2006", "1/2/2006 15:04", "1/2/2006 15:04:05", "2/1/2006", "2/1/2006 15:04", "2/1/2006 15:04:05",
	"1-2-2006", "2-1-2006", "2006/1/2", "2006/1/2 15:04", "2006/1/2 15:04:05", "2006-1-2",
	"Jan 2 2006", "Jan 2, 2006", "January 2 2006", "January 2, 2006", "2 Jan 2006", "2 January 2006",
	"02-Jan-2006", "Jan 2006", "January 2006", "Mon Jan 2 2006",
}

// dateOrder says whether every name is a date of one form, and orders
// two of them (by their index) in time: such a category's levels are
// numbered in time, not by their rows, and learnt as one column however
// many, a place that means when. Iowa's electricity, 17 years of three
// sources each, drew its sources' shares 0.12 off the data's with its
// years in binary digits, 0.02 with them in order.
func dateOrder(names []string) (func(a, b int) int, bool) {
	if len(names) == 0 {
		return nil, false
	}
	form := func(n string) string { // digits as 9: one form sorts in time as text
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '9'
			}
			return r
		}, n)
	}
	iso := true
	for _, n := range names {
		if !isoDate.MatchString(n) || form(n) != form(names[0]) {
			iso = false
			break
		}
	}
	if iso {
		return func(a, b int) int { return strings.Compare(names[a], names[b]) }, true
	}
	for _, layout := range dateLayouts {
		when := make([]time.Time, len(names))
		all := true
		for i, n := range names {
			t, err := time.Parse(layout, strings.TrimSpace(n))
			if err != nil {
				all = false
				break
			}
			when[i] = t
		}
		if all {
			return func(a, b int) int {
				if c := when[a].Compare(when[b]); c != 0 {
					return c
				}
				return strings.Compare(names[a], names[b])
			}, true
		}
	}
	return nil, false
}

// Named are the levels of a table's category columns by their index among
// the values, for writing samples back as names (WriteNamed).
type Named map[int][]string

// NamedOf is the levels of cols by index.
func NamedOf(cols []Category) Named {
	if len(cols) == 0 {
		return nil
	}
	n := Named{}
	for _, c := range cols {
		n[c.Index] = c.Levels
	}
	return n
}

// name is the level of value v of column j: v rounded to a place among
// its levels, held within them.
func (n Named) name(j int, v float64) (string, bool) {
	levels, ok := n[j]
	if !ok || len(levels) == 0 || math.IsNaN(v) {
		return "", false
	}
	k := int(math.Round(math.Max(0, math.Min(v, float64(len(levels)-1)))))
	return levels[k], true
}
