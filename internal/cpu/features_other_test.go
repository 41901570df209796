//go:build !amd64 || purego

package cpu

import "testing"

// A portable build reports no instructions, so only the Go runs.
func TestPortableBuildHasNoFeatures(t *testing.T) {
	if HasAVX2FMA || HasAVX512F || HasAVX512DQ {
		t.Errorf("features %v %v %v in a build without assembly", HasAVX2FMA, HasAVX512F, HasAVX512DQ)
	}
}
