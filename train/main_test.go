package train

import (
	"os"
	"runtime"
	"testing"
)

// TestMain runs the package's tests on one thread, as the scorenet command
// does: gonum's parallel dgemm made training steps 1.8x slower on two.
func TestMain(m *testing.M) {
	runtime.GOMAXPROCS(1)
	os.Exit(m.Run())
}
