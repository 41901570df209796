package main

import "os"

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
