package main

import (
	"os"
	"runtime"
	"testing"
)

// TestMain runs the package's tests on one thread, as the scorenet command
// runs by default: the tests call run, not main, so they do not get main's
// GOMAXPROCS=1 (which it sets unless the environment sets GOMAXPROCS), and
// set it here to run as the command does. Unlike the command, the tests
// ignore a GOMAXPROCS environment setting.
func TestMain(m *testing.M) {
	runtime.GOMAXPROCS(1)
	os.Exit(m.Run())
}
