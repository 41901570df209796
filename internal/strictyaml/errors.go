package strictyaml

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a mistake in a document or in an override, told where it is.
type Error struct {
	// Where is where the mistake came from: source:line, the override as
	// it was given (-set key=value, or the flag it stands for), or the
	// source alone.
	Where string
	// Msg says what is wrong, on one line; a mistake at a key starts with
	// the dotted key and a colon.
	Msg string
}

// Error is the located message after the package name.
func (e *Error) Error() string { return "strictyaml: " + e.Located() }

// Located is the message without the package name, "where: msg". A caller
// that reports the error as its own puts its name in front.
func (e *Error) Located() string { return e.Where + ": " + e.Msg }

// ErrEmpty is Parse's error for a document of nothing but white space.
var ErrEmpty = errors.New("strictyaml: the document is empty")

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

// describe names what a node holds, for "got ..." in a message.
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

// expectation names the values a Go type takes, for "expected ..." in a
// message.
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
