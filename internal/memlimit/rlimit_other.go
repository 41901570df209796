//go:build !linux

package memlimit

// rlimitAS reports no address-space limit: off Linux, the budget is
// MemAvailable's alone (and the fallback where /proc is missing).
func rlimitAS() (uint64, bool) { return 0, false }
