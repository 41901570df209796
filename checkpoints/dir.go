package checkpoints

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"scorenet/internal/memlimit"
	"scorenet/internal/safefile"
)

// Files in a checkpoint directory are named by their step, zero-padded so
// that names sort like steps.
var fileName = regexp.MustCompile(`^step-(\d{9,})\.safetensors$`)

// IsName reports whether name (a base name) is one Save gives a
// checkpoint: step-NNNNNNNNN.safetensors, nine digits or more.
func IsName(name string) bool { return fileName.MatchString(name) }

// Path is where Save puts the checkpoint of the given step in dir.
func Path(dir string, step int) string {
	return filepath.Join(dir, fmt.Sprintf("step-%09d.safetensors", step))
}

// Save writes c into dir atomically: to a temporary file, synced to disk,
// then renamed over the final name and the directory synced, so a crash at
// any moment leaves either the old set of files or the new one. Then it
// removes all but the newest keep checkpoints (keep <= 0 keeps all).
func Save(dir string, c *Checkpoint, keep int) (string, error) {
	b, err := Encode(c)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoints: %w", err)
	}
	path := Path(dir, c.Step)
	if err := writeAtomic(path, b); err != nil {
		return "", err
	}
	return path, pruneUpTo(dir, keep, c.Step)
}

// SaveAs writes c to path atomically, as Save does, making its directory,
// outside the step-numbered set that Save prunes.
func SaveAs(path string, c *Checkpoint) error {
	b, err := Encode(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	return writeAtomic(path, b)
}

// writeAll writes b to f; tests replace it to simulate a full disk.
var writeAll = func(f *os.File, b []byte) error {
	_, err := f.Write(b)
	return err
}

func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("checkpoints: writing %s: %w", path, err)
	}
	if err := writeAll(tmp, b); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("checkpoints: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// MaxFileSize bounds a checkpoint file: three tensors (parameters and two
// moments) of a model at nn's limit of 2^27 parameters, 3 GiB, and room
// for the header. A larger file is refused before it is read.
const MaxFileSize = 3<<30 + 64<<20

// checkMemory is memlimit.Check; tests give a budget of their own.
var checkMemory = memlimit.Check

// Load reads and verifies the checkpoint at path, having asked the memory
// budget (internal/memlimit) for the file, its tensors and its header.
func Load(path string) (*Checkpoint, error) {
	c, _, err := LoadHashed(path)
	return c, err
}

// LoadHashed is Load, also returning the checkpoint's content hash: the
// SHA-256 recorded in its metadata, which Load has just verified. It names
// the checkpoint's content whatever the file is called: two files with the
// same hash hold the same step, tensors and metadata.
func LoadHashed(path string) (*Checkpoint, string, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("checkpoints: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, "", fmt.Errorf("checkpoints: %w", err)
	}
	if info.Size() > MaxFileSize {
		return nil, "", fmt.Errorf("checkpoints: %s is %d bytes, more than a checkpoint can be (%d): not a scorenet checkpoint", path, info.Size(), int64(MaxFileSize))
	}
	// The file's bytes, the tensors decoded from them, and what the JSON
	// header costs to parse: up to 24 bytes a byte (measured: a 10 MB
	// header of shape [1,1,...] allocated 235 MB).
	var prefix [8]byte
	header := int64(0)
	if _, err := f.ReadAt(prefix[:], 0); err == nil {
		header = int64(min(binary.LittleEndian.Uint64(prefix[:]), uint64(info.Size())))
	}
	if err := checkMemory(float64(2*info.Size())+24*float64(header), "checkpoints: reading "+path); err != nil {
		return nil, "", err
	}
	b := make([]byte, info.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, "", fmt.Errorf("checkpoints: %s: %w", path, err)
	}
	c, hash, err := decode(b)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	// A step-numbered name is what Newest and resume order by: a file
	// copied or renamed under another step's name would be taken for a
	// newer (or older) checkpoint than it is.
	if m := fileName.FindStringSubmatch(filepath.Base(path)); m != nil {
		if named, _ := strconv.Atoi(m[1]); named != c.Step {
			right := filepath.Base(Path("", c.Step))
			advice := "if it is this run's, rename it " + right + " (another run's is refused under any name)"
			// Never advise a name another file holds: renaming onto it
			// would replace that checkpoint (perhaps the run's own, with
			// this one another run's).
			if _, err := os.Lstat(filepath.Join(filepath.Dir(path), right)); err == nil {
				advice = right + " already exists beside it, so it is a copy or another run's: move it out of the directory"
			}
			return nil, "", fmt.Errorf("checkpoints: %s is named for step %d but holds step %d: it was copied or renamed under another step's name; %s", path, named, c.Step, advice)
		}
	}
	return c, hash, nil
}

// List returns the checkpoint files in dir, oldest step first. A missing
// directory has none.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	type file struct {
		step int
		path string
	}
	var files []file
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		step, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		files = append(files, file{step, filepath.Join(dir, e.Name())})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].step < files[j].step })
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	return paths, nil
}

// Newest loads the newest checkpoint in dir that verifies. Skipped lists
// the newer ones that did not, each with its reason; ErrNoCheckpoint means
// none was found at all.
func Newest(dir string) (c *Checkpoint, path string, skipped []error, err error) {
	paths, err := List(dir)
	if err != nil {
		return nil, "", nil, err
	}
	for i := len(paths) - 1; i >= 0; i-- {
		c, err := Load(paths[i])
		if err == nil {
			return c, paths[i], skipped, nil
		}
		skipped = append(skipped, err)
	}
	if len(skipped) > 0 {
		// The newest one's reason: often the same for all (memory, a
		// permission), and what to fix first.
		return nil, "", skipped, fmt.Errorf("checkpoints: none of the %d checkpoints in %s is readable; the newest: %v", len(skipped), dir, skipped[0])
	}
	return nil, "", nil, ErrNoCheckpoint
}

// Prune removes all but the newest keep checkpoints in dir, and any
// temporary files left by interrupted writes.
func Prune(dir string, keep int) error { return pruneUpTo(dir, keep, math.MaxInt) }

// pruneUpTo is Prune over the checkpoints named for steps up to last, the
// step just saved: a file named for a later step was not written on this
// run's way there (a copy, another run's, a broken file a resume skipped),
// and counting it among the newest had the real checkpoints deleted, the
// one just saved too, while it stayed.
func pruneUpTo(dir string, keep, last int) error {
	if stale, _ := filepath.Glob(filepath.Join(dir, ".step-*.tmp-*")); len(stale) > 0 {
		for _, s := range stale {
			os.Remove(s)
		}
	}
	if keep <= 0 {
		return nil
	}
	all, err := List(dir)
	if err != nil {
		return err
	}
	var paths []string
	for _, p := range all {
		if m := fileName.FindStringSubmatch(filepath.Base(p)); m != nil {
			if step, err := strconv.Atoi(m[1]); err == nil && step <= last {
				paths = append(paths, p)
			}
		}
	}
	for len(paths) > keep {
		if err := os.Remove(paths[0]); err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		paths = paths[1:]
	}
	return nil
}
