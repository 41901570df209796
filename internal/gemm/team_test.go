package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunRunsEveryPartOnce runs regions of every size against the helpers:
// more parts than Ps, a Run inside a part (its helpers busy), and Runs from
// several goroutines at once; each part must run once and be done when Run
// returns.
func TestRunRunsEveryPartOnce(t *testing.T) {
	check := func(name string, parts int, inner func()) {
		counts := make([]atomic.Int32, max(parts, 1))
		Run(parts, func(part int) {
			if inner != nil {
				inner()
			}
			time.Sleep(time.Duration(part%3) * 50 * time.Microsecond) // parts end out of order
			counts[part].Add(1)
		})
		for i := range parts {
			if c := counts[i].Load(); c != 1 {
				t.Errorf("%s: part %d of %d ran %d times by the time Run returned", name, i, parts, c)
			}
		}
	}
	for _, parts := range []int{0, 1, 2, 3, runtime.GOMAXPROCS(0), 17} {
		check("plain", parts, nil)
	}
	check("nested", 4, func() { check("inner", 3, nil) })
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				check("concurrent", 3, nil)
			}
		}()
	}
	wg.Wait()
}

// TestIdleHelpersSleep wants every helper asleep soon after the last Run:
// a helper that spun on would take a core from the rest of the program.
func TestIdleHelpersSleep(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("gemm: with one P there are no helpers")
	}
	Run(runtime.GOMAXPROCS(0), func(int) {})
	deadline := time.Now().Add(100*spinFor + time.Second)
	for {
		awake := 0
		for _, h := range *helpers.Load() {
			if !h.sleeping.Load() {
				awake++
			}
		}
		if awake == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d helpers still awake %v after the last Run (they spin for %v)", awake, 100*spinFor+time.Second, spinFor)
		}
		time.Sleep(spinFor)
	}
}
