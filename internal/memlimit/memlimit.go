// Package memlimit says how much memory the process may still allocate,
// so that a size a user asked for can be refused with a message before the
// allocation, rather than by the kernel's out-of-memory killer after it.
package memlimit

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// fallback is assumed where /proc/meminfo cannot be read.
const fallback = 16 << 30

// Available is the memory the kernel reports available (MemAvailable), in
// bytes.
func Available() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
				return kb << 10
			}
		}
	}
	return fallback
}

// Check refuses to allocate need bytes for what when they exceed the
// available memory.
func Check(need float64, what string) error {
	if avail := Available(); need > float64(avail) {
		return fmt.Errorf("%s needs %s of memory, more than the %s available", what, Size(need), Size(float64(avail)))
	}
	return nil
}

// Size formats a byte count for people.
func Size(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", b/(1<<10))
}
