package strictyaml

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decoder decodes one document, read by Parse and changed by Override, into
// a Go struct, remembering where each key came from so that errors found
// after decoding can point at it too.
type Decoder struct {
	// Hook, when set, is offered every value before the decoder takes it,
	// with the Go value it is for and its dotted key, and returns true when
	// it has set v itself: so a caller can take a word such as auto where
	// the type wants a number.
	Hook func(n *yaml.Node, v reflect.Value, key string) bool
	// Example is a well-formed override, e.g. steps=8000, shown by the
	// error for a malformed one.
	Example string

	source     string
	nodes      int               // values decoded so far, against maxNodes
	lines      map[string]int    // dotted key -> line in source
	overridden map[string]string // dotted key -> the override that set it
}

// NewDecoder returns a Decoder for a document that errors call source: its
// path, or what it is.
func NewDecoder(source string) *Decoder {
	return &Decoder{source: source, lines: map[string]int{}, overridden: map[string]string{}}
}

// maxNodes bounds the values one document may hold, aliases expanded.
const maxNodes = 1 << 20

// Parse reads a document's text into its root mapping. Text of comments
// alone is an empty mapping; text of white space alone is ErrEmpty.
func (d *Decoder) Parse(text []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, &Error{Where: d.source, Msg: oneLine(strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	if len(doc.Content) == 0 {
		if len(bytes.TrimSpace(text)) == 0 {
			return nil, ErrEmpty
		}
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, d.notAMapping(root)
	}
	return root, nil
}

func (d *Decoder) notAMapping(root *yaml.Node) error {
	return &Error{Where: fmt.Sprintf("%s:%d", d.source, root.Line), Msg: "the file must be a YAML mapping of keys to values, got " + describe(root)}
}

// Decode sets the struct out points to from the mapping root, by the
// fields' yaml tags. Keys root leaves out, and keys with an empty value,
// keep the values out holds already.
func (d *Decoder) Decode(root *yaml.Node, out any) error {
	return d.decode(root, reflect.ValueOf(out).Elem(), "")
}

func (d *Decoder) decode(n *yaml.Node, v reflect.Value, key string) error {
	if d.Hook != nil && d.Hook(n, v, key) {
		return nil
	}
	if v.Kind() == reflect.Struct {
		if n.Kind != yaml.MappingNode {
			if key == "" {
				return d.notAMapping(n)
			}
			return d.Errorf(key, "expected a mapping of keys, got %s", describe(n))
		}
		fields := structFields(v.Type())
		first := map[string]int{} // key -> its line, in this mapping
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			full := JoinKey(key, k.Value)
			if line, twice := first[k.Value]; twice {
				// YAML keeps the last silently: the first would be ignored.
				d.lines[full] = k.Line
				return d.Errorf(full, "given twice (first at line %d); give it once", line)
			}
			first[k.Value] = k.Line
			if _, set := d.overridden[full]; !set && k.Line > 0 { // keys made by -set have no line
				d.lines[full] = k.Line
			}
			idx, ok := fields[k.Value]
			if !ok {
				return d.Errorf(full, "unknown key%s (known keys here: %s)", suggest(k.Value, fields), strings.Join(sortedKeys(fields), ", "))
			}
			if err := d.decode(val, v.Field(idx), full); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value keeps the default
	}
	if d.nodes++; d.nodes > maxNodes {
		return d.Errorf(key, "more than %d values: not a config (a YAML alias bomb?)", maxNodes)
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := d.decode(n, elem.Elem(), key); err != nil {
			return err
		}
		v.Set(elem)
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.Errorf(key, "expected %s, got %s", expectation(v.Type()), describe(n))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", key, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Int, reflect.Uint64:
		return d.decodeInteger(n, v, key)
	}
	target := reflect.New(v.Type())
	if n.Kind != yaml.ScalarNode && v.Kind() != reflect.Struct || n.Decode(target.Interface()) != nil {
		return d.Errorf(key, "expected %s, got %s", expectation(v.Type()), describe(n))
	}
	if f, ok := target.Elem().Interface().(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return d.Errorf(key, "must be a finite number, got %s", n.Value)
	}
	v.Set(target.Elem())
	return nil
}

// decodeInteger sets an int or uint64 from an integer literal only: 2.9,
// 1e12 or an out-of-range number is an error, never truncated or wrapped.
func (d *Decoder) decodeInteger(n *yaml.Node, v reflect.Value, key string) error {
	text := strings.ReplaceAll(n.Value, "_", "")
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return d.Errorf(key, "expected %s, got %s", expectation(v.Type()), describe(n))
	}
	if v.Kind() == reflect.Uint64 {
		u, err := strconv.ParseUint(text, 0, 64)
		if err != nil {
			return d.Errorf(key, "expected %s from 0 to %d, got %s", expectation(v.Type()), uint64(math.MaxUint64), n.Value)
		}
		v.SetUint(u)
		return nil
	}
	i, err := strconv.ParseInt(text, 0, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return d.Errorf(key, "%s is out of range for an integer", n.Value)
		}
		return d.Errorf(key, "expected an integer, got %s", n.Value)
	}
	v.SetInt(i)
	return nil
}

// structFields maps yaml key names to field indices.
func structFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

// Errorf is an *Error at a dotted key, told where the key's value came
// from.
func (d *Decoder) Errorf(key, format string, args ...any) error {
	return &Error{Where: d.Where(key), Msg: quoteIfOdd(key) + ": " + oneLine(fmt.Sprintf(format, args...))}
}

// Where says where the value of a dotted key came from: the override that
// set it or a key above it, else source:line of the nearest of them in the
// document, else the source.
func (d *Decoder) Where(key string) string {
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i] // a list element is where its list is
	}
	// Overrides first, the key's and every key's above it: a key inside a
	// mapping given by -set (train.sigmas={begin: ...}) has a line, but
	// the line of the override's own text, not of the document.
	for k := key; k != ""; k = parentKey(k) {
		if o, ok := d.overridden[k]; ok {
			return o
		}
	}
	if line, ok := d.lines[key]; ok && key != "" {
		return fmt.Sprintf("%s:%d", d.source, line)
	}
	// A section no document line holds was made by an override of a key
	// inside it (-set foo.bar=1 makes foo, -set data.bogus.x=1 makes
	// data.bogus): that override, the first by key where several are,
	// before the line of a section above it.
	for _, k := range slices.Sorted(maps.Keys(d.overridden)) {
		if strings.HasPrefix(k, key+".") {
			return d.overridden[k]
		}
	}
	for k := parentKey(key); k != ""; k = parentKey(k) {
		if line, ok := d.lines[k]; ok {
			return fmt.Sprintf("%s:%d", d.source, line)
		}
	}
	return d.source
}

// InFile reports whether the document decoded gave key a line of its own,
// one no override set.
func (d *Decoder) InFile(key string) bool {
	_, ok := d.lines[key]
	return ok
}

// Overridden returns the override that set key, as errors name it, and
// whether one did.
func (d *Decoder) Overridden(key string) (shown string, ok bool) {
	shown, ok = d.overridden[key]
	return shown, ok
}

// OverriddenAny reports whether an override set one of keys or a key below
// one of them.
func (d *Decoder) OverriddenAny(keys ...string) bool {
	for k := range d.overridden {
		for _, want := range keys {
			if k == want || strings.HasPrefix(k, want+".") {
				return true
			}
		}
	}
	return false
}

// Given reports whether key was set in the document or by an override.
func (d *Decoder) Given(key string) bool {
	_, inFile := d.lines[key]
	return inFile || d.overridden[key] != ""
}

// JoinKey is the dotted key of k below prefix.
func JoinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func parentKey(k string) string {
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		return k[:i]
	}
	return ""
}
