package memlimit

import "syscall"

// rlimitAS is the process's soft address-space limit (ulimit -v), in
// bytes, and whether there is one.
func rlimitAS() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err != nil || rl.Cur == ^uint64(0) {
		return 0, false
	}
	return rl.Cur, true
}
