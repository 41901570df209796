// Package atomicfile writes files so that a reader sees a file's old bytes
// or its new ones, never a part, and so that a write never goes through a
// link: the new file is renamed over the name, which replaces a symbolic
// link or a hard link's entry instead of writing into what it points to.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes b to path through a temporary file in path's directory,
// synced and renamed into place, with mode 0644. On error nothing is left
// behind and path is as it was.
func Write(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		// The temporary name means nothing to the user: name path.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("atomicfile: writing %s: %w", path, err)
	}
	_, err = f.Write(b)
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
		return fmt.Errorf("atomicfile: writing %s: %w", path, err)
	}
	return nil
}
