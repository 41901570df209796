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

// TestRunSurvivesAPartThatEndsItsGoroutine: a part that calls
// runtime.Goexit (as t.Fatal does) still counts as done, and later Runs
// run every part.
func TestRunSurvivesAPartThatEndsItsGoroutine(t *testing.T) {
	for round := range 3 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			Run(runtime.GOMAXPROCS(0)+1, func(part int) {
				if part > 0 {
					runtime.Goexit()
				}
			})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Run did not return 5 s after its parts ended their goroutines", round)
		}
		var ran atomic.Int32
		Run(3, func(int) { ran.Add(1) })
		if ran.Load() != 3 {
			t.Fatalf("round %d: a later Run ran %d of 3 parts", round, ran.Load())
		}
	}
}

// TestRunWaitsForItsPartsWhenPartZeroPanics: the panic leaves Run only
// after the other parts have returned, so that none writes on after a
// caller has recovered.
func TestRunWaitsForItsPartsWhenPartZeroPanics(t *testing.T) {
	var finished atomic.Bool
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic in part 0 did not reach the caller")
			}
		}()
		Run(2, func(part int) {
			if part == 0 {
				panic("part 0")
			}
			time.Sleep(20 * time.Millisecond)
			finished.Store(true)
		})
	}()
	if !finished.Load() {
		t.Fatal("Run's panic reached the caller while part 1 was still running")
	}
}
