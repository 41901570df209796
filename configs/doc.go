// Package configs loads and validates scorenet's YAML run configurations;
// the example configs shipped with scorenet live beside it.
//
// Decoding is strict (internal/strictyaml): an unknown or misspelled key, a
// value of the wrong type or out of range is an error that names the file,
// the line and the dotted key, and says what was expected. Overrides given
// as key=value (the command line's -set) replace or add keys before
// decoding, with the value parsed as YAML, and errors in them name the
// override instead of a line. What is scorenet's own is here: the keys and
// their defaults, the values auto may stand for, and the checks of the
// decoded config.
package configs
