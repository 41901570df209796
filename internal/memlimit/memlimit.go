// Package memlimit says how much memory the process may still allocate,
// so that a size a user asked for can be refused with a message before the
// allocation, rather than by the Go runtime's "fatal error: out of memory"
// or the kernel's out-of-memory killer after it.
//
// The budget is the smallest of three limits, each read when asked:
//
//   - the memory the kernel reports available (MemAvailable in
//     /proc/meminfo);
//   - the process's address-space limit (RLIMIT_AS, set by ulimit -v) less
//     the address space it has mapped already (VmSize in /proc/self/status),
//     and its data limit (RLIMIT_DATA, set by ulimit -d, which since Linux
//     4.7 counts the private writable mappings the Go heap is made of) less
//     its data mapped already (VmData), each less room for the Go heap's
//     rounding and for the program to go on (see asSlack);
//   - for each memory cgroup the process is in, and each of its ancestors
//     up to the mount's root: its limit (cgroup v2's memory.max, v1's
//     memory.limit_in_bytes) less its use (memory.current,
//     memory.usage_in_bytes) not counting the page cache the kernel would
//     reclaim first (memory.stat's inactive_file, v1's
//     total_inactive_file).
//
// The kernel counts memory as used once it is touched, not when it is
// allocated: a slice just made is mapped but not yet resident, so
// MemAvailable and memory.current do not see it. The Go heap's live
// objects beyond the process's resident memory (VmRSS) are such memory, on
// its way to being used, and are taken off those two limits; so two
// allocations checked one after the other are both counted.
//
// The address-space limit counts mappings, not memory in use: the Go
// runtime reserves address space it has not touched (about 1.2 GiB at the
// start of a program on linux/amd64, most of it the page allocator's
// summaries, mapped without access), which its own statistics
// (runtime/metrics' /memory/classes/total:bytes, about 10 MiB then) leave
// out but RLIMIT_AS counts. VmSize is what the kernel compares with the
// limit, so it is what is read here.
package memlimit

import (
	"fmt"
	"math"
	"os"
	"path"
	"runtime/metrics"
	"strconv"
	"strings"
)

// fallback is assumed where /proc/meminfo cannot be read.
const fallback = 16 << 30

// asSlack is the address space kept back under an address-space limit.
// An allocation may take more than its size: the Go heap maps whole arenas
// of 64 MiB (linux/amd64) for a large object, and about 1 MiB of metadata
// per GiB (measured: 200 MiB took 256 MiB of VmSize, 1 GiB took 1 GiB and
// 1 MiB). And the program must go on after it: with no address space left,
// the runtime's next small mapping (a profiling bucket, a new arena) is a
// fatal error, which happened in this package's test when only one arena
// was kept back. So the budget is what remains less two arenas and 1/256
// of the rest.
const asSlack = 128 << 20

// Budget is how much memory the process may still allocate, and which
// limit says so.
type Budget struct {
	Bytes int64
	// Limit names the limit that bounds Bytes, with its figures, for
	// people: "MemAvailable in /proc/meminfo", "ulimit -v: ...".
	Limit string
}

// system is where the limits are read: the files of /proc and /sys, and
// the process's address-space limit. Tests give their own.
type system struct {
	readFile func(name string) ([]byte, error)
	// rlimitAS and rlimitData are the soft RLIMIT_AS and RLIMIT_DATA in
	// bytes, and whether there is one.
	rlimitAS, rlimitData func() (uint64, bool)
	// goMapped is the Go runtime's own count of the memory it has mapped,
	// used for VmSize where /proc/self/status cannot be read.
	goMapped func() int64
	// goHeap is the bytes of the Go heap's live objects.
	goHeap func() int64
}

// host is the system the process runs on.
var host = system{readFile: os.ReadFile, rlimitAS: rlimitAS, rlimitData: rlimitData, goMapped: goMapped, goHeap: goHeap}

// Current is the budget now: the smallest of the limits the package
// documents.
func Current() Budget { return host.budget() }

// Ceiling is the smallest of the process's own limits as totals, not what
// is left of them: ulimit -d, ulimit -v and each memory cgroup's limit, and
// whether there is one. It is what the Go runtime's soft memory limit
// (runtime/debug.SetMemoryLimit) should stay under: the runtime collects
// garbage by heap growth alone, and under a hard limit the growth it
// allows can ask the kernel for more than the limit before it collects.
func Ceiling() (int64, bool) { return host.ceiling() }

func (s system) ceiling() (int64, bool) {
	best, ok := int64(math.MaxInt64), false
	for _, l := range s.processLimits() {
		if l.read == nil {
			continue
		}
		if lim, has := l.read(); has {
			best, ok = min(best, int64(min(lim, math.MaxInt64))), true
		}
	}
	for _, c := range s.cgroups() {
		best, ok = min(best, c.limit), true
	}
	return best, ok
}

// Available is the memory the process may still allocate, in bytes: the
// budget's Bytes.
func Available() int64 { return Current().Bytes }

// Check refuses to allocate need bytes for what when they exceed the
// budget, in one line that names the limit: "WHAT needs 7.2 GiB of memory,
// more than the 1.9 GiB available (LIMIT)". A need that is not a number is
// refused too.
func Check(need float64, what string) error { return host.check(need, what) }

func (s system) check(need float64, what string) error {
	b := s.budget()
	if !(need <= float64(b.Bytes)) {
		return fmt.Errorf("%s needs %s of memory, more than the %s available (%s)", what, Size(need), Size(float64(b.Bytes)), b.Limit)
	}
	return nil
}

// budget reads the limits and returns the smallest.
func (s system) budget() Budget {
	untouched := s.untouched()
	b := Budget{Bytes: fallback, Limit: "assumed: /proc/meminfo unreadable"}
	if kb, ok := field(s.readFile, "/proc/meminfo", "MemAvailable:"); ok {
		b = Budget{Bytes: kb << 10, Limit: "MemAvailable in /proc/meminfo"}
		b.less(untouched)
	}
	for _, l := range s.processLimits() {
		if a, ok := s.processLimit(l); ok && a.Bytes < b.Bytes {
			b = a
		}
	}
	for _, c := range s.cgroups() {
		if c.left.less(untouched); c.left.Bytes < b.Bytes {
			b = c.left
		}
	}
	b.Bytes = max(b.Bytes, 0)
	return b
}

// untouched is the Go heap's live objects the kernel does not count yet:
// beyond the process's resident memory.
func (s system) untouched() int64 {
	kb, ok := field(s.readFile, "/proc/self/status", "VmRSS:")
	if !ok {
		return 0
	}
	return max(s.goHeap()-kb<<10, 0)
}

// less takes the untouched heap off a limit that counts touched memory.
func (b *Budget) less(untouched int64) {
	if untouched > 0 {
		b.Bytes -= untouched
		b.Limit += fmt.Sprintf(", less %s allocated and not yet touched", Size(float64(untouched)))
	}
}

// processLimit is one of the process's own limits: how to read it, the
// line of /proc/self/status that counts what it limits, and its name for
// people.
type processLimit struct {
	read       func() (uint64, bool)
	statusKey  string
	name, what string
}

func (s system) processLimits() []processLimit {
	return []processLimit{
		{s.rlimitAS, "VmSize:", "ulimit -v", "address space"},
		{s.rlimitData, "VmData:", "ulimit -d", "data"},
	}
}

// processLimit is what one of the process's limits leaves, if it has
// that limit. Where /proc/self/status cannot be read, the Go runtime's
// count of what it has mapped stands in for both VmSize and VmData.
func (s system) processLimit(l processLimit) (Budget, bool) {
	if l.read == nil {
		return Budget{}, false
	}
	lim, ok := l.read()
	if !ok {
		return Budget{}, false
	}
	limit := int64(min(lim, math.MaxInt64))
	mapped, where := int64(0), strings.TrimSuffix(l.statusKey, ":")
	if kb, ok := field(s.readFile, "/proc/self/status", l.statusKey); ok {
		mapped = kb << 10
	} else {
		mapped, where = s.goMapped(), "the Go runtime's count"
	}
	left := limit - mapped
	left -= asSlack + max(left, 0)/256
	return Budget{Bytes: left, Limit: fmt.Sprintf("%s: %s of %s, %s mapped already (%s)", l.name, Size(float64(limit)), l.what, Size(float64(mapped)), where)}, true
}

// cgroupFiles are the files of a memory cgroup's limit, use and
// statistics, in v2 and v1, and the statistic of reclaimable page cache.
var cgroupFiles = map[bool]struct{ limit, usage, inactive string }{
	true:  {"memory.max", "memory.current", "inactive_file"},
	false: {"memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"},
}

// cgroupBudget is what a memory cgroup leaves (its limit less its use),
// and its limit.
type cgroupBudget struct {
	left  Budget
	limit int64
}

// cgroups is what each memory cgroup of the process, and each ancestor up
// to its mount's root, leaves: its limit less its use. Cgroups without a
// limit are left out.
func (s system) cgroups() []cgroupBudget {
	own, err := s.readFile("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	mounts, err := s.readFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []cgroupBudget
	for _, line := range strings.Split(string(own), "\n") {
		// hierarchy-ID:controllers:path; v2's is 0::path.
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		v2 := parts[0] == "0" && parts[1] == ""
		if !v2 && !hasWord(parts[1], ",", "memory") {
			continue
		}
		mountPoint, root, ok := cgroupMount(string(mounts), v2)
		if !ok {
			continue
		}
		// The cgroup's folder: its path below the mount's root. A path
		// outside that root (a cgroup namespace the mount does not match)
		// is read as the mount's root.
		rel := "/"
		if p := path.Clean(parts[2]); root == "/" {
			rel = p
		} else if p == root || strings.HasPrefix(p, root+"/") {
			rel = path.Clean("/" + strings.TrimPrefix(p, root))
		}
		for {
			if b, ok := s.cgroupLimit(mountPoint, rel, v2); ok {
				out = append(out, b)
			}
			if rel == "/" {
				break
			}
			rel = path.Dir(rel)
		}
	}
	return out
}

// cgroupLimit is what the cgroup at rel below mountPoint leaves, if it has
// a limit.
func (s system) cgroupLimit(mountPoint, rel string, v2 bool) (cgroupBudget, bool) {
	files := cgroupFiles[v2]
	dir := path.Join(mountPoint, rel)
	limit, ok := number(s.readFile, path.Join(dir, files.limit))
	// v1 writes "no limit" as the largest multiple of the page size below
	// 2^63; v2 as "max", which number does not read.
	if !ok || limit >= 1<<62 {
		return cgroupBudget{}, false
	}
	usage, ok := number(s.readFile, path.Join(dir, files.usage))
	if !ok {
		return cgroupBudget{}, false
	}
	if cache, ok := field(s.readFile, path.Join(dir, "memory.stat"), files.inactive); ok && cache <= usage {
		usage -= cache
	}
	return cgroupBudget{Budget{Bytes: limit - usage, Limit: fmt.Sprintf("%s of cgroup %s: %s, %s in use", files.limit, rel, Size(float64(limit)), Size(float64(usage)))}, limit}, true
}

// cgroupMount finds the mount of the cgroup v2 hierarchy, or of v1's
// memory controller, in /proc/self/mountinfo: where it is mounted, and
// which cgroup is its root.
func cgroupMount(mountinfo string, v2 bool) (mountPoint, root string, ok bool) {
	for _, line := range strings.Split(mountinfo, "\n") {
		// ID parent major:minor root mount-point options [optional...] - type source super-options
		before, after, found := strings.Cut(line, " - ")
		f, g := strings.Fields(before), strings.Fields(after)
		if !found || len(f) < 5 || len(g) < 1 {
			continue
		}
		switch {
		case v2 && g[0] == "cgroup2":
		case !v2 && g[0] == "cgroup" && len(g) >= 3 && hasWord(g[2], ",", "memory"):
		default:
			continue
		}
		return f[4], f[3], true
	}
	return "", "", false
}

// hasWord is whether list, words separated by sep, has w.
func hasWord(list, sep, w string) bool {
	for _, x := range strings.Split(list, sep) {
		if x == w {
			return true
		}
	}
	return false
}

// field reads the number after key in a file of "key value" lines, such
// as /proc/meminfo ("MemAvailable:  123 kB", read as 123) or a cgroup's
// memory.stat.
func field(read func(string) ([]byte, error), name, key string) (int64, bool) {
	b, err := read(name)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == key {
			v, err := strconv.ParseInt(f[1], 10, 64)
			return v, err == nil && v >= 0 && v <= math.MaxInt64>>10
		}
	}
	return 0, false
}

// number reads a file holding one non-negative number.
func number(read func(string) ([]byte, error), name string) (int64, bool) {
	b, err := read(name)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil && v >= 0
}

// goMapped is the memory the Go runtime has mapped, by its own count.
func goMapped() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(min(s[0].Value.Uint64(), math.MaxInt64))
}

// goHeap is the bytes of the Go heap's live objects (and those not yet
// swept), by the runtime's count.
func goHeap() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(min(s[0].Value.Uint64(), math.MaxInt64))
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
