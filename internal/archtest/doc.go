// Package archtest keeps the import rules of docs/ARCHITECTURE.md: its test
// fails when a package imports, directly or through others, what the map
// says it may not, or when a package has no line on the map.
package archtest
