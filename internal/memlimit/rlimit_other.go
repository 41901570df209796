//go:build !linux

package memlimit

// rlimitAS and rlimitData report no limit: off Linux, the budget is
// MemAvailable's alone (and the fallback where /proc is missing).
func rlimitAS() (uint64, bool)   { return 0, false }
func rlimitData() (uint64, bool) { return 0, false }
