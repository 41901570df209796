// Package safefile opens and writes files with the guarantees scorenet's
// commands give about them: a file is written so that a reader sees its old
// bytes or its new ones, never a part, and never through a link (the new
// file is renamed over the name, which replaces a symbolic link or a hard
// link's entry instead of writing into what it points to); a file is read
// only if it is a regular file, so that a FIFO or a device is refused at
// once instead of blocking the command or feeding it forever.
package safefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write writes b to path through a temporary file in path's directory,
// synced and renamed into place, with mode 0644. On error nothing is left
// behind and path is as it was.
func Write(path string, b []byte) error {
	return WriteFrom(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteFrom is Write for content that write streams into w, for files too
// large to hold in memory whole.
func WriteFrom(path string, write func(w io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		// The temporary name means nothing to the user: name path.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("safefile: writing %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("safefile: writing %s: %w", path, err)
	}
	// The rename lasts a crash only once the directory is on disk too.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Open opens path for reading if it is a regular file (after links), and
// refuses anything else in one line naming path. The open itself does not
// block (O_NONBLOCK, which has no effect on a regular file's reads), so the
// check is on the file opened, not on a name that could change between a
// look and the open.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is %s, not a regular file: give a file", path, kind(st.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile is os.ReadFile through Open.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// kind names a file mode's type for people.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "of mode " + m.String()
}
