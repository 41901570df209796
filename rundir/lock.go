package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockFile is the file a trainer holds an exclusive flock on for as long
// as it trains in the run directory.
const lockFile = ".lock"

// Lock is a trainer's exclusive hold on a run directory. The kernel
// releases it when the process ends, however it ends (kill -9 included),
// so a lock is never left stale; readers take no lock.
type Lock struct{ f *os.File }

// LockDir takes the run directory's lock, creating the directory, or says
// which process holds it. The lock file holds the holder's pid.
func LockDir(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	path := filepath.Join(dir, lockFile)
	// Never through a link: the pid written below would land in whatever
	// file the link names (another run's checkpoint, say).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0o644)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("rundir: %s is a symbolic link, not the run's lock file; remove it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 {
		f.Close()
		return nil, fmt.Errorf("rundir: %s is not the run's lock file (a regular file with one name: it has %d, or is not a regular file); remove it", path, st.Nlink)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("rundir: run directory %s is in use: %s is training in it; wait for it to finish, or set output.dir to train elsewhere", dir, holder)
		}
		return nil, fmt.Errorf("rundir: locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error { return l.f.Close() }
