package memlimit

import (
	"io/fs"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
)

// fakeSystem is a system whose files are the given texts and whose
// RLIMIT_AS is rlimit (0: none).
func fakeSystem(files map[string]string, rlimit uint64) system {
	return system{
		readFile: func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		rlimitAS: func() (uint64, bool) { return rlimit, rlimit != 0 },
		goMapped: func() int64 { return 100 * mib },
		goHeap:   func() int64 { return 2 * mib },
	}
}

// with is files plus more.
func with(files map[string]string, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

const (
	meminfo4G  = "MemTotal:       8000000 kB\nMemFree:         100000 kB\nMemAvailable:    4194304 kB\n"
	status1200 = "Name:\tscorenet\nVmPeak:\t 1300000 kB\nVmSize:\t 1228800 kB\nVmRSS:\t    2400 kB\n"
	// A machine with both hierarchies, as systemd's hybrid mode mounts
	// them: v2 without the memory controller, v1's memory.
	mountsHybrid = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	mountsV2 = "22 1 0:21 / / rw - ext4 /dev/sda1 rw\n" +
		"30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
)

func TestBudget(t *testing.T) {
	base := map[string]string{"/proc/meminfo": meminfo4G, "/proc/self/status": status1200}
	v2 := func(path string, more map[string]string) map[string]string {
		return with(with(base, map[string]string{"/proc/self/cgroup": "0::" + path + "\n", "/proc/self/mountinfo": mountsV2}), more)
	}
	// After a 2 GiB limit with 1200 MiB mapped: 848 MiB, less two arenas
	// and 1/256 of it.
	const as2G = 848*mib - 128*mib - 848*mib/256
	cases := []struct {
		name   string
		files  map[string]string
		rlimit uint64
		want   int64
		limit  string // what Limit starts with
	}{
		{"MemAvailable alone", base, 0, 4 * gib, "MemAvailable in /proc/meminfo"},
		{"no /proc/meminfo", map[string]string{}, 0, 16 * gib, "assumed: /proc/meminfo unreadable"},
		{"meminfo without MemAvailable", map[string]string{"/proc/meminfo": "MemTotal: 8000000 kB\n"}, 0, 16 * gib, "assumed"},
		{"meminfo garbage", map[string]string{"/proc/meminfo": "MemAvailable: lots kB\n"}, 0, 16 * gib, "assumed"},
		{"ulimit -v under MemAvailable", base, 2 * gib, as2G, "ulimit -v: 2.0 GiB of address space, 1.2 GiB mapped already (VmSize)"},
		{"ulimit -v over MemAvailable", base, 64 * gib, 4 * gib, "MemAvailable"},
		{"ulimit -v under what is mapped", base, 1 * gib, 0, "ulimit -v: 1.0 GiB of address space, 1.2 GiB mapped already"},
		{"ulimit -v without /proc/self/status", map[string]string{"/proc/meminfo": meminfo4G}, 1 * gib, 924*mib - 128*mib - 924*mib/256, "ulimit -v: 1.0 GiB of address space, 100.0 MiB mapped already (the Go runtime's count)"},
		{"ulimit -v unlimited", base, math.MaxUint64, 4 * gib, "MemAvailable"},
		{"cgroup v2 memory.max", v2("/user.slice/app", map[string]string{
			"/sys/fs/cgroup/user.slice/app/memory.max":     "1073741824\n",
			"/sys/fs/cgroup/user.slice/app/memory.current": "629145600\n",
			"/sys/fs/cgroup/user.slice/app/memory.stat":    "anon 400000000\nfile 200000000\nactive_file 50000000\ninactive_file 104857600\n",
		}), 0, 1*gib - 500*mib, "memory.max of cgroup /user.slice/app: 1.0 GiB, 500.0 MiB in use"},
		{"cgroup v2 memory.max without memory.stat", v2("/app", map[string]string{
			"/sys/fs/cgroup/app/memory.max":     "1073741824\n",
			"/sys/fs/cgroup/app/memory.current": "629145600\n",
		}), 0, 1*gib - 600*mib, "memory.max of cgroup /app: 1.0 GiB, 600.0 MiB in use"},
		{"cgroup v2 memory.max is max", v2("/app", map[string]string{
			"/sys/fs/cgroup/app/memory.max":     "max\n",
			"/sys/fs/cgroup/app/memory.current": "629145600\n",
		}), 0, 4 * gib, "MemAvailable"},
		{"cgroup v2 parent's limit", v2("/parent/app", map[string]string{
			"/sys/fs/cgroup/parent/app/memory.max":     "max\n",
			"/sys/fs/cgroup/parent/app/memory.current": "100000000\n",
			"/sys/fs/cgroup/parent/memory.max":         "838860800\n",
			"/sys/fs/cgroup/parent/memory.current":     "734003200\n",
		}), 0, 100 * mib, "memory.max of cgroup /parent: 800.0 MiB, 700.0 MiB in use"},
		{"cgroup v2 leaf tighter than parent", v2("/parent/app", map[string]string{
			"/sys/fs/cgroup/parent/app/memory.max":     "104857600\n",
			"/sys/fs/cgroup/parent/app/memory.current": "52428800\n",
			"/sys/fs/cgroup/parent/memory.max":         "838860800\n",
			"/sys/fs/cgroup/parent/memory.current":     "314572800\n",
		}), 0, 50 * mib, "memory.max of cgroup /parent/app: 100.0 MiB, 50.0 MiB in use"},
		{"cgroup v2 namespace root", v2("/", map[string]string{
			"/sys/fs/cgroup/memory.max":     "2147483648\n",
			"/sys/fs/cgroup/memory.current": "1073741824\n",
		}), 0, 1 * gib, "memory.max of cgroup /: 2.0 GiB, 1.0 GiB in use"},
		{"cgroup v2 over its limit", v2("/app", map[string]string{
			"/sys/fs/cgroup/app/memory.max":     "104857600\n",
			"/sys/fs/cgroup/app/memory.current": "209715200\n",
		}), 0, 0, "memory.max of cgroup /app: 100.0 MiB, 200.0 MiB in use"},
		{"cgroup v1 memory.limit_in_bytes", with(base, map[string]string{
			"/proc/self/cgroup":    "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n",
			"/proc/self/mountinfo": mountsHybrid,
			"/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": "2147483648\n",
			"/sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes": "1610612736\n",
			"/sys/fs/cgroup/memory/process_api/abc/memory.stat":           "cache 6840320\ninactive_file 237568\ntotal_inactive_file 536870912\n",
			"/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes":     "9223372036854771712\n",
			"/sys/fs/cgroup/memory/process_api/memory.usage_in_bytes":     "1610612736\n",
		}), 0, 1 * gib, "memory.limit_in_bytes of cgroup /process_api/abc: 2.0 GiB, 1.0 GiB in use"},
		{"cgroup v1 unlimited", with(base, map[string]string{
			"/proc/self/cgroup":    "4:memory:/process_api/abc\n0::/\n",
			"/proc/self/mountinfo": mountsHybrid,
			"/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": "9223372036854771712\n",
			"/sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes": "9764864\n",
		}), 0, 4 * gib, "MemAvailable"},
		{"cgroup v1 mounted at the container's own cgroup", with(base, map[string]string{
			"/proc/self/cgroup":                           "7:cpu,cpuacct:/docker/abc\n5:memory:/docker/abc\n",
			"/proc/self/mountinfo":                        "40 31 0:33 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n",
			"/sys/fs/cgroup/memory/memory.usage_in_bytes": "268435456\n",
		}), 0, 256 * mib, "memory.limit_in_bytes of cgroup /: 512.0 MiB, 256.0 MiB in use"},
		{"cgroup without mountinfo", with(base, map[string]string{
			"/proc/self/cgroup":         "0::/app\n",
			"/sys/fs/cgroup/memory.max": "1\n",
		}), 0, 4 * gib, "MemAvailable"},
		{"cgroup files garbage", v2("/app", map[string]string{
			"/sys/fs/cgroup/app/memory.max":     "lots\n",
			"/sys/fs/cgroup/app/memory.current": "-5\n",
		}), 0, 4 * gib, "MemAvailable"},
		{"smallest of three: ulimit -v", v2("/app", map[string]string{
			"/sys/fs/cgroup/app/memory.max":     "3221225472\n",
			"/sys/fs/cgroup/app/memory.current": "0\n",
		}), 2 * gib, as2G, "ulimit -v"},
		{"smallest of three: cgroup", v2("/app", map[string]string{
			"/sys/fs/cgroup/app/memory.max":     "536870912\n",
			"/sys/fs/cgroup/app/memory.current": "0\n",
		}), 2 * gib, 512 * mib, "memory.max of cgroup /app"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := fakeSystem(c.files, c.rlimit).budget()
			if b.Bytes != c.want || !strings.HasPrefix(b.Limit, c.limit) {
				t.Errorf("budget %d bytes (%s), %q; want %d bytes (%s), %q...", b.Bytes, Size(float64(b.Bytes)), b.Limit, c.want, Size(float64(c.want)), c.limit)
			}
		})
	}
}

// ulimit -d bounds the budget by the data left under it (VmData counts
// what is mapped already), and the smaller of -d and -v wins.
func TestBudgetUnderUlimitD(t *testing.T) {
	status := status1200 + "VmData:\t  204800 kB\n" // 200 MiB of data
	files := map[string]string{"/proc/meminfo": meminfo4G, "/proc/self/status": status}
	cases := []struct {
		name        string
		as, data    uint64
		want        int64
		limitPrefix string
	}{
		{"ulimit -d alone", 0, 1 * gib, 824*mib - 128*mib - 824*mib/256, "ulimit -d: 1.0 GiB of data, 200.0 MiB mapped already (VmData)"},
		{"ulimit -d over MemAvailable", 0, 64 * gib, 4 * gib, "MemAvailable"},
		{"ulimit -v tighter than -d", 2 * gib, 3 * gib, 848*mib - 128*mib - 848*mib/256, "ulimit -v"},
		{"ulimit -d tighter than -v", 4 * gib, 1 * gib, 824*mib - 128*mib - 824*mib/256, "ulimit -d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fakeSystem(files, c.as)
			s.rlimitData = func() (uint64, bool) { return c.data, c.data != 0 }
			b := s.budget()
			if b.Bytes != c.want || !strings.HasPrefix(b.Limit, c.limitPrefix) {
				t.Errorf("budget %d (%s), %q; want %d, %q...", b.Bytes, Size(float64(b.Bytes)), b.Limit, c.want, c.limitPrefix)
			}
		})
	}
}

// Memory allocated but not yet touched (the Go heap beyond VmRSS) is
// taken off MemAvailable and the cgroups' limits, which do not count it
// yet, and not off the address space, which does.
func TestBudgetLessUntouched(t *testing.T) {
	files := map[string]string{
		"/proc/meminfo":        meminfo4G,
		"/proc/self/status":    status1200, // VmRSS 2400 kB
		"/proc/self/cgroup":    "0::/app\n",
		"/proc/self/mountinfo": mountsV2,
	}
	cases := []struct {
		name   string
		heap   int64
		cgroup string // memory.max, "" for none
		rlimit uint64
		want   int64
		limit  string
	}{
		{"heap all resident", 2 * mib, "", 0, 4 * gib, "MemAvailable in /proc/meminfo"},
		{"a fresh 3 GiB slice", 3*gib + 2400*kib, "", 0, 1 * gib, "MemAvailable in /proc/meminfo, less 3.0 GiB allocated and not yet touched"},
		{"more than available", 5*gib + 2400*kib, "", 0, 0, "MemAvailable in /proc/meminfo, less 5.0 GiB allocated and not yet touched"},
		{"a cgroup", 1*gib + 2400*kib, "2147483648", 0, 1 * gib, "memory.max of cgroup /app: 2.0 GiB, 0 KiB in use, less 1.0 GiB allocated and not yet touched"},
		{"ulimit -v counts it already", 3*gib + 2400*kib, "", 2 * gib, 848*mib - 128*mib - 848*mib/256, "ulimit -v"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := with(files, nil)
			if c.cgroup != "" {
				f["/sys/fs/cgroup/app/memory.max"] = c.cgroup
				f["/sys/fs/cgroup/app/memory.current"] = "0"
			}
			s := fakeSystem(f, c.rlimit)
			s.goHeap = func() int64 { return c.heap }
			if b := s.budget(); b.Bytes != c.want || !strings.HasPrefix(b.Limit, c.limit) {
				t.Errorf("budget %d bytes (%s), %q; want %d bytes (%s), %q...", b.Bytes, Size(float64(b.Bytes)), b.Limit, c.want, Size(float64(c.want)), c.limit)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	files := map[string]string{"/proc/meminfo": meminfo4G, "/proc/self/status": status1200}
	cases := []struct {
		name   string
		rlimit uint64
		need   float64
		err    string // "" if allowed
	}{
		{"under MemAvailable", 0, 3 * gib, ""},
		{"all of MemAvailable", 0, 4 * gib, ""},
		{"over MemAvailable", 0, 4*gib + 1, "100 chains of dimension 2 needs 4.0 GiB of memory, more than the 4.0 GiB available (MemAvailable in /proc/meminfo)"},
		{"over ulimit -v", 2 * gib, 1 * gib, "100 chains of dimension 2 needs 1.0 GiB of memory, more than the 716.7 MiB available (ulimit -v: 2.0 GiB of address space, 1.2 GiB mapped already (VmSize))"},
		{"under ulimit -v", 2 * gib, 700 * mib, ""},
		{"not a number", 0, math.NaN(), "100 chains of dimension 2 needs NaN KiB of memory, more than the 4.0 GiB available (MemAvailable in /proc/meminfo)"},
		{"infinite", 0, math.Inf(1), "100 chains of dimension 2 needs +Inf GiB of memory"},
		{"nothing", 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := fakeSystem(files, c.rlimit).check(c.need, "100 chains of dimension 2")
			switch {
			case c.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.err != "" && (err == nil || !strings.HasPrefix(err.Error(), c.err) || strings.Contains(err.Error(), "\n")):
				t.Errorf("got %v, want one line starting %q", err, c.err)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for _, c := range []struct {
		b    float64
		want string
	}{{0, "0 KiB"}, {1536, "2 KiB"}, {5 * mib, "5.0 MiB"}, {7.2e9, "6.7 GiB"}} {
		if got := Size(c.b); got != c.want {
			t.Errorf("Size(%v) = %q, want %q", c.b, got, c.want)
		}
	}
}

// The host's budget is the smallest of its own readings, and positive.
func TestCurrentOnThisMachine(t *testing.T) {
	b := Current()
	t.Logf("budget on this machine: %s (%s)", Size(float64(b.Bytes)), b.Limit)
	if b.Bytes <= 0 || b.Limit == "" {
		t.Errorf("budget %d bytes, %q", b.Bytes, b.Limit)
	}
	// Other processes free and take memory between the two readings:
	// allow what a busy machine moves in that moment.
	const drift = 256 << 20
	if kb, ok := field(host.readFile, "/proc/meminfo", "MemAvailable:"); ok && b.Bytes > kb<<10+drift {
		t.Errorf("budget %d bytes, over MemAvailable's %d", b.Bytes, kb<<10)
	}
}

// A slice just made, not yet touched, is taken off the host's budget
// (MemAvailable does not see it until it is touched).
func TestUntouchedAllocationCounts(t *testing.T) {
	debug.FreeOSMemory() // what an earlier test (or run of this one) left is not counted before
	b := Current()
	if !strings.HasPrefix(b.Limit, "MemAvailable") {
		t.Skipf("the budget here is %q, not MemAvailable's", b.Limit)
	}
	n := min(b.Bytes/2, 4*gib)
	buf := make([]byte, n)
	after := Current()
	t.Logf("before: %s (%s); after making %s: %s (%s)", Size(float64(b.Bytes)), b.Limit, Size(float64(n)), Size(float64(after.Bytes)), after.Limit)
	// MemAvailable moves with the rest of the machine: 1 GiB of slack.
	// Whether the budget sees it as untouched or (memory the runtime had
	// touched before, reused) MemAvailable already does, it must drop.
	if after.Bytes > b.Bytes-n+1*gib {
		t.Errorf("after making %d bytes, budget %d (%s), was %d", n, after.Bytes, after.Limit, b.Bytes)
	}
	runtime.KeepAlive(buf)
}

// The ceiling is the smallest limit as a total: ulimit -d, ulimit -v or a
// cgroup's memory.max, whichever is least; none without a limit.
func TestCeiling(t *testing.T) {
	cgroup := with(map[string]string{"/proc/meminfo": meminfo4G, "/proc/self/status": status1200}, map[string]string{
		"/proc/self/cgroup": "0::/app\n", "/proc/self/mountinfo": mountsV2,
		"/sys/fs/cgroup/app/memory.max": "1073741824\n", "/sys/fs/cgroup/app/memory.current": "629145600\n",
	})
	cases := []struct {
		name     string
		files    map[string]string
		as, data uint64
		want     int64
		ok       bool
	}{
		{"no limit", map[string]string{"/proc/meminfo": meminfo4G}, 0, 0, 0, false},
		{"ulimit -v", map[string]string{"/proc/meminfo": meminfo4G}, 3 * gib, 0, 3 * gib, true},
		{"ulimit -d under -v", map[string]string{"/proc/meminfo": meminfo4G}, 3 * gib, 2 * gib, 2 * gib, true},
		{"a cgroup under both", cgroup, 3 * gib, 2 * gib, 1 * gib, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fakeSystem(c.files, c.as)
			s.rlimitData = func() (uint64, bool) { return c.data, c.data != 0 }
			if got, ok := s.ceiling(); got != c.want && ok || ok != c.ok {
				t.Errorf("ceiling %d, %v; want %d, %v", got, ok, c.want, c.ok)
			}
		})
	}
}
