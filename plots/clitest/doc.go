// Package clitest runs the scorenet binary's plot command end to end, from
// the outside: it builds cmd/scorenet, trains small runs and checks the
// figures plot draws, what it prints and what it refuses. It has no code of
// its own; its tests live here, beside the figures of package plots.
package clitest
