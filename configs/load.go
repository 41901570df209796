package configs

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the config file at path, applies the key=value overrides in
// order, fills in defaults and validates the result.
func Load(path string, overrides []string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configs: %w", err)
	}
	return Parse(b, path, overrides)
}

// Parse is Load for config text; source names it in errors.
func Parse(text []byte, source string, overrides []string) (*Config, error) {
	d := &decoder{source: source, lines: map[string]int{}, overridden: map[string]string{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, fmt.Errorf("configs: %s: %s", source, oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	if len(doc.Content) == 0 {
		if len(bytes.TrimSpace(text)) == 0 {
			return nil, fmt.Errorf("configs: %s: the file is empty; want a YAML mapping with at least name and data.dataset", source)
		}
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("configs: %s:%d: the file must be a YAML mapping of keys to values, got %s", source, root.Line, describe(root))
	}
	for _, o := range overrides {
		if err := d.override(root, o); err != nil {
			return nil, err
		}
	}
	cfg := Default()
	if err := d.decode(root, reflect.ValueOf(&cfg).Elem(), ""); err != nil {
		return nil, err
	}
	if d.epsAuto {
		cfg.Sample.EpsAuto = true
	}
	// A value chosen by auto in a run's config.yaml: overriding it by a
	// number ends auto; eps was chosen for the ladder and steps_per_level
	// of its day, so overriding those chooses it again.
	if _, set := d.overridden["sample.eps"]; set && !d.epsAuto {
		cfg.Sample.EpsAuto = false
	} else if cfg.Sample.EpsAuto && d.overriddenAny("sample.steps_per_level", "train.sigmas", "train.sigma", "train.loss") {
		cfg.Sample.Eps = 0
	}
	if _, set := d.overridden["model.sigma_data"]; set && !d.sigmaDataAuto {
		cfg.Model.SigmaDataAuto = false
	}
	if d.sigmaDataAuto {
		cfg.Model.SigmaDataAuto = true
	}
	if err := d.resolve(&cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// decoder walks a YAML tree into a Config, remembering where each key came
// from so that later errors can point at it.
type decoder struct {
	nodes         int  // values decoded so far, against maxNodes
	epsAuto       bool // sample.eps: auto was given
	sigmaDataAuto bool // model.sigma_data: auto was given
	source        string
	lines         map[string]int    // dotted key -> line in source
	overridden    map[string]string // dotted key -> the override that set it
}

// overriddenAny reports whether an override set one of keys or a key below
// one of them.
func (d *decoder) overriddenAny(keys ...string) bool {
	for k := range d.overridden {
		for _, want := range keys {
			if k == want || strings.HasPrefix(k, want+".") {
				return true
			}
		}
	}
	return false
}

// where says where the value of a dotted key came from.
func (d *decoder) where(key string) string {
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i] // a list element is where its list is
	}
	for k := key; k != ""; k = parentKey(k) {
		if o, ok := d.overridden[k]; ok {
			return o
		}
		if line, ok := d.lines[k]; ok {
			return fmt.Sprintf("%s:%d", d.source, line)
		}
	}
	return d.source
}

func (d *decoder) errorf(key, format string, args ...any) error {
	return fmt.Errorf("configs: %s: %s: %s", d.where(key), quoteIfOdd(key), oneLine(fmt.Sprintf(format, args...)))
}

func parentKey(k string) string {
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		return k[:i]
	}
	return ""
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) error {
	if n.Kind == yaml.ScalarNode && n.Value == "auto" {
		switch v.Type() {
		case reflect.TypeOf(Sigmas{}):
			v.Set(reflect.ValueOf(Sigmas{Auto: true}))
			return nil
		case reflect.TypeOf(float64(0)):
			switch key {
			case "sample.eps":
				v.SetFloat(0)
				d.epsAuto = true
				return nil
			case "model.sigma_data":
				v.SetFloat(0)
				d.sigmaDataAuto = true
				return nil
			}
		}
	}
	if v.Kind() == reflect.Struct {
		if n.Kind != yaml.MappingNode {
			if key == "" {
				return fmt.Errorf("configs: %s:%d: the file must be a YAML mapping of keys to values, got %s", d.source, n.Line, describe(n))
			}
			return d.errorf(key, "expected a mapping of keys, got %s", describe(n))
		}
		fields := structFields(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			full := joinKey(key, k.Value)
			if _, set := d.overridden[full]; !set && k.Line > 0 { // keys made by -set have no line
				d.lines[full] = k.Line
			}
			idx, ok := fields[k.Value]
			if !ok {
				return d.errorf(full, "unknown key%s (known keys here: %s)", suggest(k.Value, fields), strings.Join(sortedKeys(fields), ", "))
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
		return d.errorf(key, "more than %d values: not a config (a YAML alias bomb?)", maxNodes)
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
			return d.errorf(key, "expected %s, got %s", expectation(v.Type()), describe(n))
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
		return d.errorf(key, "expected %s, got %s", expectation(v.Type()), describe(n))
	}
	if f, ok := target.Elem().Interface().(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return d.errorf(key, "must be a finite number, got %s", n.Value)
	}
	v.Set(target.Elem())
	return nil
}

// maxNodes bounds the values one config may hold, aliases expanded.
const maxNodes = 1 << 20

// decodeInteger sets an int or uint64 from an integer literal only: 2.9,
// 1e12 or an out-of-range number is an error, never truncated or wrapped.
func (d *decoder) decodeInteger(n *yaml.Node, v reflect.Value, key string) error {
	text := strings.ReplaceAll(n.Value, "_", "")
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return d.errorf(key, "expected %s, got %s", expectation(v.Type()), describe(n))
	}
	if v.Kind() == reflect.Uint64 {
		u, err := strconv.ParseUint(text, 0, 64)
		if err != nil {
			return d.errorf(key, "expected %s from 0 to %d, got %s", expectation(v.Type()), uint64(math.MaxUint64), n.Value)
		}
		v.SetUint(u)
		return nil
	}
	i, err := strconv.ParseInt(text, 0, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return d.errorf(key, "%s is out of range for an integer", n.Value)
		}
		return d.errorf(key, "expected an integer, got %s", n.Value)
	}
	v.SetInt(i)
	return nil
}

// override applies one key=value to the YAML tree, creating keys as needed.
func (d *decoder) override(root *yaml.Node, kv string) error {
	kv, shown, fromFlag := strings.Cut(kv, flagMark)
	if !fromFlag {
		shown = "-set " + quoteIfOdd(kv)
	}
	key, value, ok := strings.Cut(kv, "=")
	key = strings.TrimSpace(key)
	if !ok || !validKey.MatchString(key) {
		return fmt.Errorf("configs: -set %q: want key=value with a dotted key, e.g. train.steps=8000", kv)
	}
	var val yaml.Node
	if err := yaml.Unmarshal([]byte(value), &val); err != nil {
		return fmt.Errorf("configs: -set %s: value is not valid YAML: %s", quoteIfOdd(kv), oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	newValue := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	if len(val.Content) > 0 {
		newValue = val.Content[0]
	}
	node := root
	parts := strings.Split(key, ".")
	for i, part := range parts {
		if node.Kind != yaml.MappingNode {
			return fmt.Errorf("configs: -set %s: %s is not a mapping", kv, strings.Join(parts[:i], "."))
		}
		var next *yaml.Node
		for j := 0; j+1 < len(node.Content); j += 2 {
			if node.Content[j].Value == part {
				next = node.Content[j+1]
				if i == len(parts)-1 {
					node.Content[j+1] = newValue
				}
			}
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if i == len(parts)-1 {
				next = newValue
			}
			node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part}, next)
		}
		node = next
	}
	d.overridden[key] = shown
	return nil
}

// flagMark separates an override from the flag it came from.
const flagMark = "\x00"

// FlagOverride is the override key=value that a command-line flag stands
// for; errors about it name the flag as the user typed it, not a -set.
func FlagOverride(flag, key, value string) string {
	return key + "=" + value + flagMark + "-" + flag + " " + quoteIfOdd(value)
}

// validKey is a dotted path of key names.
var validKey = regexp.MustCompile(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$`)

// quoteIfOdd quotes s when it holds spaces or control characters, so a
// message stays on one line and its words stay apart.
func quoteIfOdd(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
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

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Nearest is the choice within two edits of word, or "" when there is none:
// the suggestion for a misspelled key or flag.
func Nearest(word string, choices []string) string {
	best, bestDist := "", 3
	for _, c := range choices {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// suggest names a known key within two edits of a misspelled one.
func suggest(k string, fields map[string]int) string {
	for _, known := range sortedKeys(fields) {
		if editDistance(k, known) <= 2 {
			return fmt.Sprintf("; did you mean %q?", known)
		}
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

func expectation(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return expectation(t.Elem())
	case reflect.Int:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of " + plural(t.Elem())
	}
	return "a " + strings.TrimSuffix(plural(t), "s")
}

func plural(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "strings"
	case reflect.Bool:
		return "booleans"
	case reflect.Int:
		return "integers"
	case reflect.Uint64:
		return "non-negative integers"
	case reflect.Float64:
		return "numbers"
	case reflect.Slice:
		return "lists of " + plural(t.Elem())
	}
	return t.String() + "s"
}

// YAML returns the config as YAML text, every key spelled out.
func (c *Config) YAML() []byte {
	b, err := yaml.Marshal(c)
	if err != nil {
		panic(err) // a Config always marshals
	}
	return b
}

// flatten maps every leaf key of c to its YAML text.
func (c *Config) flatten() map[string]string {
	var root yaml.Node
	if err := yaml.Unmarshal(c.YAML(), &root); err != nil {
		panic(err)
	}
	out := map[string]string{}
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], joinKey(key, n.Content[i].Value))
			}
			return
		}
		flowStyle(n)
		b, _ := yaml.Marshal(n)
		out[key] = strings.TrimSpace(string(b))
	}
	walk(root.Content[0], "")
	return out
}

// Diff lists the keys whose values differ between a and b, as
// "key: a-value -> b-value", sorted, skipping the keys in ignore (an entry
// ending in "." skips every key below it).
func Diff(a, b *Config, ignore ...string) []string {
	fa, fb := a.flatten(), b.flatten()
	keys := map[string]bool{}
	for k := range fa {
		keys[k] = true
	}
	for k := range fb {
		keys[k] = true
	}
	var diffs []string
	ignored := func(k string) bool {
		for _, i := range ignore {
			if k == i || (strings.HasSuffix(i, ".") && strings.HasPrefix(k, i)) {
				return true
			}
		}
		return false
	}
	for k := range keys {
		if !ignored(k) && fa[k] != fb[k] {
			diffs = append(diffs, fmt.Sprintf("%s: %s -> %s", k, orNone(fa[k]), orNone(fb[k])))
		}
	}
	sort.Strings(diffs)
	return diffs
}

func flowStyle(n *yaml.Node) {
	n.Style |= yaml.FlowStyle
	for _, c := range n.Content {
		flowStyle(c)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}
