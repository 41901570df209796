package configs

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"scorenet/internal/strictyaml"
)

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
				walk(n.Content[i+1], strictyaml.JoinKey(key, n.Content[i].Value))
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
