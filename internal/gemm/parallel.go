package gemm

// minParallelWork is the least work, in elementwise operations, worth
// splitting over goroutines: below it the hand-off costs more than it saves.
const minParallelWork = 1 << 18

// Parallel runs do over [0, n) in contiguous parts, one per thread (at most
// threads; 0: Threads()), when n items of work cost each are worth
// splitting; otherwise do(0, n) on this goroutine. Every caller gives each
// part its own outputs and computes each output with the same operations
// whatever the split, so results do not depend on the number of threads.
func Parallel(threads, n, cost int, do func(lo, hi int)) {
	if threads <= 0 {
		threads = Threads()
	}
	parts := min(threads, n)
	if parts < 2 || n*cost < minParallelWork {
		do(0, n)
		return
	}
	runRanges(n, (n+parts-1)/parts, do)
}

// runRanges runs do on [0, n) cut into ranges of per items, each range a
// part of one Run.
func runRanges(n, per int, do func(lo, hi int)) {
	Run((n+per-1)/per, func(part int) { do(part*per, min((part+1)*per, n)) })
}
