package memlimit

import "syscall"

// rlimitAS is the process's soft address-space limit (ulimit -v), in
// bytes, and whether there is one.
func rlimitAS() (uint64, bool) { return rlimit(syscall.RLIMIT_AS) }

// rlimitData is the process's soft data limit (ulimit -d), in bytes, and
// whether there is one.
func rlimitData() (uint64, bool) { return rlimit(syscall.RLIMIT_DATA) }

func rlimit(resource int) (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(resource, &rl); err != nil || rl.Cur == ^uint64(0) {
		return 0, false
	}
	return rl.Cur, true
}
