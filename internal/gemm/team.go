package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Run runs do(0), ..., do(parts-1) at once, do(0) on this goroutine and the
// rest on helper goroutines, and returns when all have returned.
//
// The helpers outlive the call, and after a part they wait for the next one
// by spinning for spinFor before they sleep. A float32 training step at
// D = 784 hands work to the second thread about 16 times, with a little
// serial work between hand-offs: a goroutine started for each part began
// on the other core 44 µs (median; mean 55 µs) after it was made on a
// 2-vCPU VM, about 0.9 ms of a 13 ms step on two threads. A spinning helper takes a part
// in well under a microsecond. There are at most as many helpers as other
// cores (spinners), so that spinning never takes a core from the work;
// past them, and when every helper is busy (a Run inside a part), parts go
// to new goroutines as before.
func Run(parts int, do func(part int)) {
	if parts <= 1 {
		if parts == 1 {
			do(0)
		}
		return
	}
	r := &region{do: do} // not reused: a part's finish may still be reading it after wait returns
	r.pending.Store(int32(parts - 1))
	for part := 1; part < parts; part++ {
		if h := claimHelper(); h != nil {
			h.give(r, part)
			continue
		}
		go func() {
			defer r.finish()
			r.do(part)
		}()
	}
	defer r.wait() // a panic in do(0) leaves Run only once no part is writing
	do(0)
}

// spinFor is how long an idle helper, or a caller waiting for its helpers,
// looks for work before it sleeps: longer than the serial gaps between a
// training step's parallel parts, short enough that an idle program soon
// stops using the cores.
const spinFor = 200 * time.Microsecond

// region is one call of Run: its parts still running, and how its caller
// is woken when it sleeps before they end.
type region struct {
	do       func(part int)
	pending  atomic.Int32 // parts not yet finished, not counting part 0
	sleeping atomic.Bool  // the caller sleeps on wake, made before sleeping is set
	wake     chan struct{}
}

// finish marks one helper's part done, waking the caller after the last.
func (r *region) finish() {
	if r.pending.Add(-1) == 0 && r.sleeping.CompareAndSwap(true, false) {
		r.wake <- struct{}{}
	}
}

// wait returns once every helper's part is done.
func (r *region) wait() {
	if spin(func() bool { return r.pending.Load() == 0 }) {
		return
	}
	r.wake = make(chan struct{}, 1)
	r.sleeping.Store(true)
	if r.pending.Load() == 0 && r.sleeping.CompareAndSwap(true, false) {
		return // no part will send a token
	}
	<-r.wake
}

// spin polls done for up to spinFor, yielding the P between polls so that
// a goroutine waiting for it can run, and reports whether done came true.
func spin(done func() bool) bool {
	start := time.Now()
	for i := 0; ; i++ {
		if done() {
			return true
		}
		if i%64 == 63 && time.Since(start) > spinFor {
			return false
		}
		runtime.Gosched()
	}
}

// helper is a goroutine that runs parts of regions.
type helper struct {
	busy     atomic.Bool // claimed by a Run, from give until its part is done
	job      atomic.Pointer[region]
	part     int         // of job, written before job
	sleeping atomic.Bool // asleep on wake
	wake     chan struct{}
}

var (
	helpersMu sync.Mutex
	helpers   atomic.Pointer[[]*helper]
)

// claimHelper returns an idle helper, marked busy, starting one if fewer
// than spinners() are running; nil if none is free.
func claimHelper() *helper {
	if hs := helpers.Load(); hs != nil {
		for _, h := range *hs {
			if h.busy.CompareAndSwap(false, true) {
				return h
			}
		}
	}
	helpersMu.Lock()
	defer helpersMu.Unlock()
	var hs []*helper
	if p := helpers.Load(); p != nil {
		hs = *p
	}
	if len(hs) >= spinners() || len(hs) >= maxHelpers {
		return nil
	}
	h := &helper{wake: make(chan struct{}, 1)}
	h.busy.Store(true)
	grown := append(append([]*helper(nil), hs...), h)
	helpers.Store(&grown)
	go h.serve()
	return h
}

// maxHelpers bounds the helpers however large GOMAXPROCS is.
const maxHelpers = 63

// give hands part of r to the claimed helper h.
func (h *helper) give(r *region, part int) {
	h.part = part
	h.job.Store(r)
	if h.sleeping.CompareAndSwap(true, false) {
		h.wake <- struct{}{}
	}
}

func (h *helper) serve() {
	for {
		h.run(h.next())
	}
}

// run runs h's part of r. A part that ends its goroutine (runtime.Goexit,
// as t.Fatal does) still finishes r, and retires h, whose goroutine is
// gone: it stays busy, so that no Run gives it a part, and leaves the
// list, so that another helper can take its place.
func (h *helper) run(r *region) {
	returned := false
	defer func() {
		h.job.Store(nil)
		if returned {
			h.busy.Store(false)
		} else {
			h.retire()
		}
		r.finish()
	}()
	r.do(h.part)
	returned = true
}

func (h *helper) retire() {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	var rest []*helper
	for _, o := range *helpers.Load() {
		if o != h {
			rest = append(rest, o)
		}
	}
	helpers.Store(&rest)
}

// next waits for a job: spinning first while GOMAXPROCS leaves the helper
// a P of its own, then asleep.
func (h *helper) next() *region {
	for {
		if r := h.job.Load(); r != nil {
			return r
		}
		if h.ownP() && spin(func() bool { return h.job.Load() != nil }) {
			return h.job.Load()
		}
		h.sleeping.Store(true)
		if r := h.job.Load(); r != nil {
			if !h.sleeping.CompareAndSwap(true, false) {
				<-h.wake // give saw it asleep and sends a token
			}
			return r
		}
		<-h.wake
	}
}

// ownP reports whether this helper is among the first spinners().
func (h *helper) ownP() bool {
	limit := spinners()
	for i, o := range *helpers.Load() {
		if o == h {
			return i < limit
		}
	}
	return false
}

// spinners is how many helpers may spin: one fewer than the cores the
// program can run on at once (GOMAXPROCS, and the CPUs it may use), so
// that a spinning helper never waits for a core the work needs.
func spinners() int { return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) - 1 }
