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
