// Package strictyaml decodes a YAML document into a Go struct strictly, so
// that every mistake in it is an error naming the file, the line and the
// dotted key, and saying what was expected.
//
// A key the struct's yaml tags do not name is an error (with the nearest
// known key as a suggestion), as is a value of the wrong type, an integer
// written as a fraction or out of range, an infinite or NaN number, or more
// values than a config could hold (a YAML alias bomb). Overrides given as
// key=value, as a command line's -set gives them, replace or add keys before
// decoding, their values parsed as YAML, and errors in them name the
// override instead of a line. The Decoder remembers where each key came
// from, so that checks made after decoding can point at it too.
package strictyaml
