package losses

import (
	"os"
	"runtime"
	"testing"
)

// TestMain runs the package's tests on one thread, as the scorenet command
// runs by default (main in cmd/scorenet/main.go sets GOMAXPROCS to 1 unless
// the environment sets it), so that training is tested as the command runs
// it. Unlike the command, the tests ignore a GOMAXPROCS environment setting.
func TestMain(m *testing.M) {
	runtime.GOMAXPROCS(1)
	os.Exit(m.Run())
}
