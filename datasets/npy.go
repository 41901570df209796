package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"scorenet/points"
	"slices"
	"strconv"
	"strings"
)

// maxNPYHeader bounds the length of a .npy header (the Python dict literal
// after the fixed prefix). NumPy writes well under 1 KiB for a 2-D array and
// itself refuses headers over 10000 bytes by default.
const maxNPYHeader = 64 << 10

// npyChunk is how many bytes of .npy data are read at a time.
const npyChunk = 1 << 20

// npyHeader is what a .npy header says about its array.
type npyHeader struct {
	descr   string // the dtype as written, e.g. "<f8"
	size    int    // bytes a value
	fortran bool
	n, d    int
	shape   []int // as written: (n, D), or (n, H, W, ...) read as D = H*W*...
}

func (h npyHeader) itemsize() int { return h.size }

// npyTypes are the dtypes read, by their code without the byte order:
// NumPy's floats, its integers (np.save of an integer array writes int64)
// and bools, each read as float64; an integer beyond 2^53 has no exact
// float64 and is refused.
var npyTypes = map[string]string{
	"f8": "float64", "f4": "float32",
	"i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
	"u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
	"b1": "bool",
}

// note says what a reader may want to know of the array's layout.
func (h npyHeader) note() string {
	var s []string
	if len(h.descr) == 3 && h.descr[1:] != "f8" {
		s = append(s, npyTypes[h.descr[1:]]+" values")
	}
	if h.fortran {
		s = append(s, "Fortran order")
	}
	if len(h.shape) > 2 {
		s = append(s, fmt.Sprintf("shape %s, each row's %s values one point of %d", pyTuple(h.shape), dims(h.shape[1:]), h.d))
	}
	return strings.Join(s, ", ")
}

// dims writes a shape's sizes as 8x8.
func dims(shape []int) string {
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, "x")
}

// ReadNPY reads points from a NumPy array of shape (n, D); see ReadFile.
//
// The header is checked before anything is allocated by its shape: at most
// MaxValues values and MaxColumns a point, when r's size is known (an *os.File on a regular
// file, a *bytes.Reader, *strings.Reader or *bytes.Buffer) exactly the
// header's n*D values after it, and memory for them within the process's
// budget (internal/memlimit). The data are read in bounded chunks straight
// into the points, so a short or lying file is an error, never an
// out-of-memory crash.
func ReadNPY(r io.Reader) (points.Points, error) {
	p, _, err := readNPY(r)
	if err != nil {
		return points.Points{}, fmt.Errorf("datasets: %w", err)
	}
	return p, nil
}

func readNPY(r io.Reader) (points.Points, npyHeader, error) {
	return readNPYValues(r, false, Want{})
}

// readNPYValues is readNPY, with NaN values taken as missing entries when
// missing says so.
func readNPYValues(r io.Reader, missing bool, want Want) (points.Points, npyHeader, error) {
	h, err := readNPYHeader(r)
	if err != nil {
		return points.Points{}, h, err
	}
	shape := pyTuple(h.shape)
	if want.D > 0 && h.d != want.D {
		return points.Points{}, h, fmt.Errorf(".npy header claims shape %s, %d columns, want %d", shape, h.d, want.D)
	}
	values, ok := mulInt(h.n, h.d)
	nbytes, ok2 := mulInt(values, h.itemsize())
	ok2 = ok && ok2
	size, known := remainingBytes(r)
	if known {
		if !ok2 {
			return points.Points{}, h, fmt.Errorf(".npy header claims shape %s, more bytes of data than a 64-bit size can count, but the file has %d after its header", shape, size)
		}
		if int64(nbytes) != size {
			return points.Points{}, h, fmt.Errorf(".npy header claims shape %s, %d bytes of data, but the file has %d after its header", shape, nbytes, size)
		}
	}
	if !ok {
		return points.Points{}, h, fmt.Errorf(".npy header claims shape %s, more values than a 64-bit count holds; the limit is %d values (MaxValues)", shape, maxValues)
	}
	if values > maxValues {
		return points.Points{}, h, fmt.Errorf(".npy header claims shape %s, %d values, over the limit of %d values (MaxValues, 8 GiB as float64)", shape, values, maxValues)
	}
	if h.d > MaxColumns {
		return points.Points{}, h, fmt.Errorf(".npy header claims shape %s, %d values a point, over the limit of %d (MaxColumns, the most values a point may have)", shape, h.d, MaxColumns)
	}
	// The points, 8 bytes a value; twice that when read as they arrive
	// (see readNPYGrowing). From a file whose size was checked, only the
	// rows wanted are read.
	rows := h.n
	if known && want.Rows > 0 {
		rows = min(rows, want.Rows)
	}
	need := 8 * float64(rows) * float64(h.d)
	if !known {
		need *= 2
	}
	need += want.Spare * float64(rows) * float64(h.d)
	if err := checkMemory(need, fmt.Sprintf(".npy header claims shape %s; reading it%s", shape, want.also())); err != nil {
		return points.Points{}, h, err
	}
	var x []float64
	if known {
		x, err = readNPYKnown(r, h, rows)
	} else {
		x, err = readNPYGrowing(r, h, values)
	}
	if err != nil {
		return points.Points{}, h, err
	}
	for k, v := range x {
		if math.IsInf(v, 0) || (math.IsNaN(v) && !missing) {
			return points.Points{}, h, fmt.Errorf("row %d, column %d (counting from 0, as %s in NumPy) is %v; every value must be finite", k/h.d, k%h.d, npyIndex(h.shape, k/h.d, k%h.d), v)
		}
	}
	return points.Points{N: len(x) / h.d, D: h.d, X: x}, h, nil
}

// readNPYKnown reads the first rows rows of data whose size was checked
// against the header: the points are allocated once, C-order data
// decoded straight into them (the data after those rows not read) and
// Fortran-order data scattered into place chunk by chunk (the other
// rows' values passed over).
func readNPYKnown(r io.Reader, h npyHeader, rows int) ([]float64, error) {
	x := make([]float64, rows*h.d)
	values := len(x) // those read
	if h.fortran {
		values = h.n * h.d
	}
	size := h.itemsize()
	per := npyChunk / size
	buf := make([]byte, min(values, per)*size)
	var tmp []float64
	if h.fortran {
		tmp = make([]float64, min(values, per))
	}
	i, j := 0, 0 // the row and column of the next Fortran-order value
	for done := 0; done < values; {
		k := min(values-done, per)
		if got, err := io.ReadFull(r, buf[:k*size]); err != nil {
			return nil, shortNPY(h, done*size+got, err)
		}
		if !h.fortran {
			if err := decodeNPY(x[done:done+k], buf, h); err != nil {
				return nil, err
			}
		} else {
			if err := decodeNPY(tmp[:k], buf, h); err != nil {
				return nil, err
			}
			for _, v := range tmp[:k] {
				if i < rows {
					x[i*h.d+j] = v
				}
				if i++; i == h.n {
					i, j = 0, j+1
				}
			}
		}
		done += k
	}
	return x, nil
}

// readNPYGrowing reads data from a reader of unknown size: the points grow
// as data arrive, so a header that claims more than there is costs no more
// memory than the data actually sent, and never more than twice the claim
// (while they are copied to grow, or transposed at the end from Fortran
// order).
func readNPYGrowing(r io.Reader, h npyHeader, values int) ([]float64, error) {
	size := h.itemsize()
	per := npyChunk / size
	buf := make([]byte, min(values, per)*size)
	var x []float64
	for len(x) < values {
		k := min(values-len(x), per)
		if got, err := io.ReadFull(r, buf[:k*size]); err != nil {
			return nil, shortNPY(h, len(x)*size+got, err)
		}
		if len(x)+k > cap(x) { // doubling, but never past the claim
			x = append(make([]float64, 0, min(values, max(2*cap(x), len(x)+k))), x...)
		}
		x = x[:len(x)+k]
		if err := decodeNPY(x[len(x)-k:], buf, h); err != nil {
			return nil, err
		}
	}
	if n, _ := io.ReadFull(r, buf[:1]); n > 0 {
		return nil, fmt.Errorf(".npy header claims shape %s, %d bytes of data, but the file has more after its header", pyTuple(h.shape), values*size)
	}
	if h.fortran {
		t := make([]float64, values)
		for j := 0; j < h.d; j++ {
			for i, v := range x[j*h.n : (j+1)*h.n] {
				t[i*h.d+j] = v
			}
		}
		x = t
	}
	return x, nil
}

func shortNPY(h npyHeader, got int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf(".npy header claims shape %s, %d bytes of data, but the file has %d after its header", pyTuple(h.shape), h.n*h.d*h.itemsize(), got)
	}
	return fmt.Errorf("reading .npy data: %w", err)
}

// decodeNPY decodes len(dst) little-endian values of h's dtype from src;
// an integer beyond 2^53, which no float64 holds exactly, is an error.
func decodeNPY(dst []float64, src []byte, h npyHeader) error {
	src = src[:h.size*len(dst)]
	le := binary.LittleEndian
	switch h.descr[1:] {
	case "f8":
		for i := range dst {
			dst[i] = math.Float64frombits(le.Uint64(src[8*i:]))
		}
	case "f4":
		for i := range dst {
			dst[i] = float64(math.Float32frombits(le.Uint32(src[4*i:])))
		}
	case "u1":
		for i := range dst {
			dst[i] = float64(src[i])
		}
	case "b1": // any byte but 0 is True, as NumPy reads it
		for i := range dst {
			dst[i] = float64(min(src[i], 1))
		}
	case "i1":
		for i := range dst {
			dst[i] = float64(int8(src[i]))
		}
	case "u2":
		for i := range dst {
			dst[i] = float64(le.Uint16(src[2*i:]))
		}
	case "i2":
		for i := range dst {
			dst[i] = float64(int16(le.Uint16(src[2*i:])))
		}
	case "u4":
		for i := range dst {
			dst[i] = float64(le.Uint32(src[4*i:]))
		}
	case "i4":
		for i := range dst {
			dst[i] = float64(int32(le.Uint32(src[4*i:])))
		}
	case "u8":
		for i := range dst {
			v := le.Uint64(src[8*i:])
			if v > 1<<53 {
				return fmt.Errorf(".npy value %d (uint64) is beyond 2^53, which no float64 holds exactly", v)
			}
			dst[i] = float64(v)
		}
	case "i8":
		for i := range dst {
			v := int64(le.Uint64(src[8*i:]))
			if v > 1<<53 || v < -(1<<53) {
				return fmt.Errorf(".npy value %d (int64) is beyond 2^53, which no float64 holds exactly", v)
			}
			dst[i] = float64(v)
		}
	}
	return nil
}

// mulInt returns a*b for non-negative a and b, and whether it fits an int.
func mulInt(a, b int) (int, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// remainingBytes is how many bytes r has left, when that is known without
// reading them.
func remainingBytes(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil || pos > st.Size() {
			return 0, false
		}
		return st.Size() - pos, true
	case *bytes.Reader:
		return int64(v.Len()), true
	case *strings.Reader:
		return int64(v.Len()), true
	case *bytes.Buffer:
		return int64(v.Len()), true
	}
	return 0, false
}

// littleEndian is whether this machine stores numbers little-endian, which
// is what the '=' and '|' byte orders of a .npy dtype then mean.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// readNPYHeader reads the fixed prefix (magic, version, header length) and
// the header, at most maxNPYHeader bytes of it, and checks the dtype and the
// shape's rank. Nothing is allocated by what the header says.
func readNPYHeader(r io.Reader) (npyHeader, error) {
	var h npyHeader
	var pre [12]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		if n >= 6 && string(pre[:6]) == "\x93NUMPY" {
			return h, errors.New("truncated .npy header: the file ends in its fixed prefix")
		}
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return h, fmt.Errorf("reading .npy header: %w", err)
		}
		return h, errors.New("not a .npy file (no \\x93NUMPY magic)")
	}
	var length int
	switch pre[6] {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return h, errors.New("truncated .npy header: the file ends in its fixed prefix")
		}
		length = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		if _, err := io.ReadFull(r, pre[8:12]); err != nil {
			return h, errors.New("truncated .npy header: the file ends in its fixed prefix")
		}
		length = int(binary.LittleEndian.Uint32(pre[8:12]))
	default:
		return h, fmt.Errorf(".npy format version %d.%d, want 1.x, 2.x or 3.x", pre[6], pre[7])
	}
	if length > maxNPYHeader {
		return h, fmt.Errorf(".npy header length %d bytes, over the limit of %d", length, maxNPYHeader)
	}
	text := make([]byte, length)
	if n, err := io.ReadFull(r, text); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return h, fmt.Errorf(".npy header says %d bytes, the file has %d after it", length, n)
		}
		return h, fmt.Errorf("reading .npy header: %w", err)
	}
	dict, err := parseNPYDict(text)
	if err != nil {
		return h, err
	}
	h.descr, h.fortran = dict.descr, dict.fortran
	if _, ok := npyTypes[h.descr[min(1, len(h.descr)):]]; len(h.descr) != 3 || !ok || !strings.ContainsRune("<>|=", rune(h.descr[0])) {
		return h, fmt.Errorf(".npy dtype %q, want a float (<f8, <f4), an integer (<i8, |u1, ...) or a bool (|b1)", h.descr)
	}
	h.size = int(h.descr[2] - '0')
	switch byteOrder := h.descr[0]; {
	case h.size == 1: // one byte: no order
	case byteOrder == '>':
		return h, fmt.Errorf(".npy dtype %q is big-endian, want little-endian <f8 or <f4 (in NumPy: a.astype('<f8'))", h.descr)
	case byteOrder == '|' || byteOrder == '=':
		if !littleEndian {
			return h, fmt.Errorf(".npy dtype %q is this machine's byte order, which is big-endian; want little-endian <f8 or <f4", h.descr)
		}
	}
	if len(dict.shape) < 2 || slices.Min(dict.shape) < 1 {
		return h, fmt.Errorf(".npy shape %s, want (n, D), or (n, H, W, ...) for n points of H*W*... values, every size >= 1", pyTuple(dict.shape))
	}
	if len(dict.shape) > 2 && h.fortran {
		return h, fmt.Errorf(".npy shape %s in Fortran order: an array of more than two axes is read in C order (in NumPy: np.ascontiguousarray(a))", pyTuple(dict.shape))
	}
	h.n, h.d, h.shape = dict.shape[0], 1, dict.shape
	for _, size := range dict.shape[1:] {
		var ok bool
		if h.d, ok = mulInt(h.d, size); !ok {
			return h, fmt.Errorf(".npy shape %s, more values a point than a 64-bit count holds; the limit is %d (MaxColumns)", pyTuple(dict.shape), MaxColumns)
		}
	}
	return h, nil
}

// pyTuple writes a shape as Python does: (), (3,), (3, 2).
func pyTuple(s []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(v))
	}
	if len(s) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

type npyDict struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNPYDict parses the header of a .npy file, a Python dict literal such
// as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), } padded with
// spaces and a newline. It takes exactly the keys descr, fortran_order and
// shape, as NumPy does; values are quoted strings, True or False, and tuples
// of non-negative integers.
func parseNPYDict(text []byte) (npyDict, error) {
	p := dictParser{s: text}
	var d npyDict
	fail := func(what string) (npyDict, error) {
		shown := strings.TrimRight(string(text), " \n")
		if len(shown) > 200 {
			shown = shown[:200] + "..."
		}
		return npyDict{}, fmt.Errorf("malformed .npy header: %s at byte %d of %q", what, p.i, shown)
	}
	p.space()
	if !p.eat('{') {
		return fail("want '{'")
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return fail("want a quoted key or '}'")
		}
		if seen[key] {
			return fail(fmt.Sprintf("key %q twice", key))
		}
		seen[key] = true
		p.space()
		if !p.eat(':') {
			return fail("want ':'")
		}
		p.space()
		switch key {
		case "descr":
			if d.descr, ok = p.str(); !ok {
				return fail("descr is not a quoted string (a structured dtype?), want '<f8' or '<f4'")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				d.fortran = true
			case p.word("False"):
				d.fortran = false
			default:
				return fail("fortran_order is not True or False")
			}
		case "shape":
			if d.shape, ok = p.tuple(); !ok {
				return fail("shape is not a tuple of non-negative integers")
			}
		default:
			return fail(fmt.Sprintf("unknown key %q, want descr, fortran_order and shape", key))
		}
		p.space()
		if !p.eat(',') {
			p.space()
			if !p.eat('}') {
				return fail("want ',' or '}'")
			}
			break
		}
	}
	p.space()
	if p.i != len(p.s) {
		return fail("text after the closing '}'")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fail(fmt.Sprintf("no key %q", k))
		}
	}
	return d, nil
}

type dictParser struct {
	s []byte
	i int
}

func (p *dictParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *dictParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) word(w string) bool {
	if bytes.HasPrefix(p.s[p.i:], []byte(w)) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *dictParser) str() (string, bool) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := bytes.IndexByte(p.s[p.i+1:], q)
	if end < 0 || bytes.IndexByte(p.s[p.i+1:p.i+1+end], '\\') >= 0 {
		return "", false
	}
	s := string(p.s[p.i+1 : p.i+1+end])
	p.i += end + 2
	return s, true
}

// tuple reads (a, b, ...) of non-negative integers, each at most MaxInt,
// with Python 2's optional L suffix. At most 64 entries.
func (p *dictParser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	var out []int
	for {
		p.space()
		if p.eat(')') {
			return out, true
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		v, err := strconv.Atoi(string(p.s[start:p.i]))
		if err != nil || len(out) == 64 {
			return nil, false
		}
		p.eat('L')
		out = append(out, v)
		p.space()
		if !p.eat(',') {
			p.space()
			return out, p.eat(')')
		}
	}
}
