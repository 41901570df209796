package configs

import (
	"testing"

	"scorenet/datasets"
	"scorenet/nn"
)

// The readers refuse a point wider than a model takes: the two limits are
// one.
func TestReadersTakeThePointsAModelTakes(t *testing.T) {
	if datasets.MaxColumns != nn.MaxDim {
		t.Errorf("datasets.MaxColumns %d, nn.MaxDim %d: a file's points would be read that no model takes, or refused that one would", datasets.MaxColumns, nn.MaxDim)
	}
}

// An error about a key inside a mapping given by -set names the -set, not
// the line of the file the mapping replaced.
func TestErrorsInsideAMappingOverrideNameTheOverride(t *testing.T) {
	yaml := []byte("name: x\ndata: {dataset: moons}\nmodel: {noise_conditional: true}\ntrain:\n  loss: anneal_dsm\n  sigmas: {begin: 3, end: 0.1, n: 5}\n")
	_, err := Parse(yaml, "x.yaml", []string{"train.sigmas={begin: 1e100, end: 0.1, n: 5}"})
	want := `configs: -set "train.sigmas={begin: 1e100, end: 0.1, n: 5}": train.sigmas.begin: must be at most`
	if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("got %v, want %q...", err, want)
	}
}
