package main

import (
	"math"
	"os"
	"runtime"
	"testing"
)

// Two one-thread copies at once taking 19 ms a step each, where one alone
// takes 14 (the medians), leave a perfect two-thread split no less than
// 9.5 ms: 0.68x of one thread.
func Example_pairCeilings() {
	alone := []Result{{Impl: "scorenet-purego", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 15}, {Impl: "scorenet-purego", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 14}, {Impl: "scorenet-purego", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 12}}
	pair := []Result{{Impl: "scorenet-purego-pair", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 18.6}, {Impl: "scorenet-purego-pair", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 19}}
	pairCeilings(os.Stdout, map[string][]Result{"anneal_dsm-large-f32": pair},
		map[string][]Result{"anneal_dsm-large-f32/784\x00scorenet-purego": alone})
	// Output:
	// Two one-thread copies of anneal_dsm-large-f32 at once (2 measurements): 19.00 ms a step each (median), against 14.00 ms alone (scorenet-purego's median). A perfect split of the step over two threads could take no less than 9.50 ms, 0.68x one thread's time, on this host.
}

// Each round trip is printed beside the two-thread step measured after it,
// in the order they ran; a round trip with no step after it stands alone.
func Example_roundTripLines() {
	trips := []Result{{Impl: "scorenet-purego-2t", Case: roundTripCase, RoundTripNs: 95.4}, {Impl: "scorenet-purego-2t", Case: roundTripCase, RoundTripNs: 470}, {Impl: "scorenet-purego-2t", Case: roundTripCase, RoundTripNs: 480}}
	steps := []Result{{Impl: "scorenet-purego-2t", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 7.31}, {Impl: "scorenet-purego-2t", Case: "anneal_dsm-large-f32", D: 784, MsPerStep: 8.694}}
	roundTripLines(os.Stdout, map[string][]Result{"scorenet-purego-2t": trips},
		map[string][]Result{"anneal_dsm-large-f32/784\x00scorenet-purego-2t": steps})
	// Output:
	// Cache-line round trip between the two threads of scorenet-purego-2t, before each of its two-thread float32 steps: 95 ns (step 7.31 ms), 470 ns (step 8.69 ms), 480 ns.
}

func TestCoreRoundTripIsPositiveAndFinite(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		t.Skip("needs two threads: the partner spins while the caller waits")
	}
	// Only the sign and finiteness are asserted: on a loaded host (CI runs
	// packages side by side) the partner can lose its CPU for milliseconds,
	// and speed is the benchmark's to report, never a unit test's.
	r := coreRoundTrip()
	if !(r.RoundTripNs > 0) || math.IsInf(r.RoundTripNs, 0) {
		t.Fatalf("round trip %v ns, want a positive finite time", r.RoundTripNs)
	}
	if r.Case != roundTripCase {
		t.Fatalf("case %q, want %q", r.Case, roundTripCase)
	}
}
