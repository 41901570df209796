package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

// A write to a name that is a link, symbolic (even to nothing yet) or
// hard, replaces the name and leaves what it linked to as it was.
func TestWriteReplacesLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "nothing-yet")
	cases := []struct {
		name string
		link func(at string) error
		kept string // the file the link pointed at, which must not change
	}{
		{"symbolic link", func(at string) error { return os.Symlink(target, at) }, target},
		{"hard link", func(at string) error { return os.Link(target, at) }, target},
		{"dangling symbolic link", func(at string) error { return os.Symlink(dangling, at) }, dangling},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := filepath.Join(dir, "out-"+c.name)
			if err := c.link(at); err != nil {
				t.Skip(err)
			}
			if err := Write(at, []byte("new")); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(at); string(b) != "new" {
				t.Errorf("%s holds %q", at, b)
			}
			if fi, err := os.Lstat(at); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("%s is not a regular file now: %v", at, err)
			}
			b, err := os.ReadFile(c.kept)
			if c.kept == dangling {
				if err == nil {
					t.Errorf("%s was created through the link", dangling)
				}
			} else if string(b) != "keep" {
				t.Errorf("%s holds %q, want it kept", c.kept, b)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != "" && e.Name()[0] == '.' {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
}
