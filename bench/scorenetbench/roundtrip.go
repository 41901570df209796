package main

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// roundTripCase names the measurement of coreRoundTrip.
const roundTripCase = "core-round-trip"

// coreRoundTrip measures how long a cache line takes to go from one thread
// to the other and back (the median of several runs of many round trips),
// each thread locked to its own OS thread. A split step hands data between
// the threads at every region, so its speed moves with this figure: on a
// virtual host, two vCPUs that share a last-level cache pass a line in
// tens of nanoseconds, two on different dies in hundreds, and which of the
// two a run gets can change between runs of the same binary.
func coreRoundTrip() Result {
	const trips, runs = 20000, 7
	var times []float64
	for range runs {
		times = append(times, roundTrips(trips))
	}
	slices.Sort(times)
	return Result{Case: roundTripCase, RoundTripNs: times[runs/2]}
}

// roundTrips bounces a counter between two goroutines up to n times, or
// for roundTripBudget when they share a CPU (each hand-off then waits for
// a time slice), and returns the nanoseconds each round trip took.
func roundTrips(n int) float64 {
	var line struct {
		_ [64]byte // the counter alone on its cache line
		v atomic.Int64
		_ [56]byte
	}
	line.v.Store(-1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		line.v.Store(0) // started: the timing begins after this
		for i := int64(1); ; i++ {
			for v := line.v.Load(); v != 2*i-1; v = line.v.Load() {
				if v < 0 { // the caller has stopped
					close(done)
					return
				}
			}
			line.v.Store(2 * i)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for line.v.Load() != 0 {
	}
	start := time.Now()
	trips := 0
	for trips < n && (trips%64 != 0 || time.Since(start) < roundTripBudget) {
		i := int64(trips + 1)
		line.v.Store(2*i - 1)
		for line.v.Load() != 2*i {
		}
		trips++
	}
	elapsed := time.Since(start)
	line.v.Store(-1)
	<-done
	return float64(elapsed.Nanoseconds()) / float64(trips)
}

// roundTripBudget bounds one run of round trips: 20000 of them take 10 ms
// on two vCPUs of their own, and far longer on one shared CPU.
const roundTripBudget = 100 * time.Millisecond

// roundTripLines prints, for each implementation measured on two threads,
// the core round trip measured before each of its two-thread image-size
// float32 steps beside that step's time, in the order they ran, so that a
// two-thread ratio that moves between runs can be read against where the
// host put the threads.
func roundTripLines(w io.Writer, trips map[string][]Result, repeats map[string][]Result) {
	for _, impl := range slices.Sorted(maps.Keys(trips)) {
		steps := repeats["anneal_dsm-large-f32/784\x00"+impl]
		var parts []string
		for i, t := range trips[impl] {
			s := fmt.Sprintf("%.0f ns", t.RoundTripNs)
			if i < len(steps) {
				s += fmt.Sprintf(" (step %.2f ms)", steps[i].MsPerStep)
			}
			parts = append(parts, s)
		}
		fmt.Fprintf(w, "\nCache-line round trip between the two threads of %s, before each of its two-thread float32 steps: %s.\n", impl, strings.Join(parts, ", "))
	}
}

// from is r named as measured by impl on this many threads.
func (r Result) from(impl string) Result {
	r.Impl, r.Threads = impl, runtime.GOMAXPROCS(0)
	return r
}
