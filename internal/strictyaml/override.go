package strictyaml

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Override applies one override key=value to the document's root mapping,
// the value parsed as YAML, creating keys as needed. Errors about the key
// and later ones name the override as -set key=value, or as the flag it
// came from (FlagOverride).
func (d *Decoder) Override(root *yaml.Node, kv string) error {
	kv, shown, fromFlag := strings.Cut(kv, flagMark)
	if !fromFlag {
		shown = "-set " + quoteIfOdd(kv)
	}
	key, value, ok := strings.Cut(kv, "=")
	key = strings.TrimSpace(key)
	if !ok || !validKey.MatchString(key) {
		msg := "want key=value with a dotted key"
		if d.Example != "" {
			msg += ", e.g. " + d.Example
		}
		return &Error{Where: "-set " + strconv.Quote(kv), Msg: msg}
	}
	var val yaml.Node
	if err := yaml.Unmarshal([]byte(value), &val); err != nil {
		return &Error{Where: "-set " + quoteIfOdd(kv), Msg: "value is not valid YAML: " + oneLine(strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	newValue := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	if len(val.Content) > 0 {
		newValue = val.Content[0]
	}
	node := root
	parts := strings.Split(key, ".")
	for i, part := range parts {
		if node.Kind == yaml.ScalarNode && node.Tag == "!!null" && i > 0 {
			// An empty section ("model:" with nothing under it) takes the
			// key as a mapping would.
			node.Kind, node.Tag, node.Value = yaml.MappingNode, "!!map", ""
		}
		if node.Kind != yaml.MappingNode {
			where := ""
			if node.Line > 0 {
				where = fmt.Sprintf(" (%s:%d)", d.source, node.Line)
			}
			return &Error{Where: "-set " + kv, Msg: strings.Join(parts[:i], ".") + " is not a mapping" + where}
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
