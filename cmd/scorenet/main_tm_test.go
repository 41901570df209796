package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestMain runs the package's tests on one thread, as the scorenet command
// runs by default: the tests call run, not main, so they do not get main's
// GOMAXPROCS=1 (which it sets unless the environment sets GOMAXPROCS), and
// set it here to run as the command does. Unlike the command, the tests
// ignore a GOMAXPROCS environment setting. The command that binary built
// is removed afterwards: each run of the tests left 38 MB in the temporary
// directory.
func TestMain(m *testing.M) {
	runtime.GOMAXPROCS(1)
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
