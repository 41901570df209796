package configs

import (
	"strings"
	"testing"
)

// FuzzParse: no config text or override may crash the loader, and every
// error is one line that starts with the package name.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base), "train.steps=10")
	f.Add([]byte("name: x\ndata: {dataset: moons}\n"), "model.hidden=[4, 4]")
	f.Add([]byte("name: [\n"), "")
	f.Add([]byte("- 1\n- 2\n"), "a.b.c=1")
	f.Add([]byte("name: t\ndata:\n  dataset: gaussian_mixture\n  means: [[0], [1]]\n  weights: [0.5, 0.5]\n  std: 1\n"), "sample.init.kind=file")
	f.Fuzz(func(t *testing.T, text []byte, override string) {
		var overrides []string
		if override != "" {
			overrides = []string{override}
		}
		cfg, err := Parse(text, "fuzz.yaml", overrides)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "configs: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line starting with the package name: %q", msg)
			}
			return
		}
		if _, err := Parse(cfg.YAML(), "resolved", nil); err != nil {
			t.Fatalf("a config that loaded does not load back from its resolved form: %v", err)
		}
	})
}
