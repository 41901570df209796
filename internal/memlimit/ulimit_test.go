//go:build linux

package memlimit

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// childEnv tells the test binary, run again by TestCheckUnderUlimit, to
// act as the child: what it does is the variable's value.
const childEnv = "MEMLIMIT_TEST_CHILD"

// The real thing: the test binary run again under ulimit -v, 512 MiB
// above what this process has mapped. There the budget is the address
// space left, Check refuses a size above it and names ulimit -v, and an
// allocation of the whole budget succeeds (so the budget is not
// overstated) and leaves the program room to go on. Allocating the limit itself dies as the red team's runs
// did, which is what Check is there to prevent.
func TestCheckUnderUlimit(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "check":
		underUlimit()
		return
	case "overshoot":
		lim, _ := rlimitAS()
		b := make([]byte, lim)
		b[len(b)-1] = 1
		fmt.Println("allocated", len(b))
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary twice under ulimit -v")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run ulimit -v in")
	}
	kb, ok := field(os.ReadFile, "/proc/self/status", "VmSize:")
	if !ok {
		t.Skip("no VmSize in /proc/self/status")
	}
	limitKB := kb + 512<<10
	run := func(mode string) (string, error) {
		cmd := exec.Command(sh, "-c", `ulimit -v "$1" && exec "$2" -test.run='^TestCheckUnderUlimit$' -test.v`, "sh", strconv.FormatInt(limitKB, 10), os.Args[0])
		cmd.Env = append(os.Environ(), childEnv+"="+mode, "GOMAXPROCS=2")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("check")
	t.Logf("this process maps %d MiB; the child ran under ulimit -v %d (%d MiB):\n%s", kb>>10, limitKB, limitKB>>10, firstLines(out, 12))
	if err != nil || !strings.Contains(out, "child: ok") {
		t.Fatalf("the child under ulimit -v failed: %v", err)
	}
	out, err = run("overshoot")
	if err == nil || !strings.Contains(out, "fatal error: out of memory") {
		t.Errorf("allocating the whole limit: %v, want the runtime's out-of-memory death; output:\n%s", err, firstLines(out, 5))
	}
}

// underUlimit is the child's part of TestCheckUnderUlimit.
func underUlimit() {
	fail := func(format string, a ...any) {
		fmt.Printf("child: "+format+"\n", a...)
		os.Exit(1)
	}
	lim, ok := rlimitAS()
	if !ok {
		fail("no RLIMIT_AS")
	}
	b := Current()
	fmt.Printf("child: RLIMIT_AS %d MiB, budget %s (%s)\n", lim>>20, Size(float64(b.Bytes)), b.Limit)
	if !strings.HasPrefix(b.Limit, "ulimit -v: ") || b.Bytes <= 0 || b.Bytes > int64(lim) {
		fail("budget %d bytes, %q: want a positive one bounded by ulimit -v", b.Bytes, b.Limit)
	}
	err := Check(float64(b.Bytes)+64<<20, "a test's buffer")
	fmt.Printf("child: Check(budget + 64 MiB): %v\n", err)
	if err == nil || !strings.Contains(err.Error(), "more than the") || !strings.Contains(err.Error(), "(ulimit -v: ") {
		fail("Check over the budget did not refuse naming ulimit -v")
	}
	if err := Check(float64(lim), "the limit"); err == nil {
		fail("Check of the whole limit passed")
	}
	// The budget moves a little as the runtime maps its own memory (a
	// new thread, a statistic): read it again, allocate all of it.
	b = Current()
	if err := Check(float64(b.Bytes)-8<<20, "the budget less 8 MiB"); err != nil {
		fail("Check under the budget: %v", err)
	}
	buf := make([]byte, b.Bytes)
	buf[0], buf[len(buf)-1] = 1, 1
	fmt.Printf("child: allocated the budget, %d bytes\n", len(buf))
	// And the program goes on: more heap, more goroutines.
	more := make([][]byte, 64)
	done := make(chan bool)
	for i := range more {
		go func() { more[i] = make([]byte, 256<<10); done <- true }()
	}
	for range more {
		<-done
	}
	fmt.Printf("child: then 16 MiB more in 64 goroutines\n")
	fmt.Println("child: ok")
}

// firstLines is s cut to its first n lines.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
