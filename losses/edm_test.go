package losses

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"scorenet/nn"
)

// edm_dsm draws ln sigma from EDM's normal, scaled to the data's spread:
// at sigma_data 0.5 its centre is EDM's P_mean = -1.2 and its spread
// P_std = 1.2, and it stays within the ladder's ends.
func TestEDMLevels(t *testing.T) {
	for _, c := range []struct {
		name           string
		sigmaData      float64
		hi, lo         float64
		mean, std, tol float64 // of ln sigma; tol absolute (the standard error is 0.006)
	}{
		{"EDM's own scale", 0.5, 1000, 1e-4, -1.2, 1.2, 0.02},
		{"pixels in [0, 1]", 0.35, 1000, 1e-4, -1.2 + math.Log(0.35/0.5), 1.2, 0.02},
		{"standardised tables", 1, 1000, 1e-4, -1.2 + math.Ln2, 1.2, 0.02},
	} {
		t.Run(c.name, func(t *testing.T) {
			draw := levelDraw{kind: lognormal, sigmas: []float64{c.hi, c.lo}, sigmaData: c.sigmaData}
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 40000
			var sum, sum2 float64
			for range n {
				s := draw.level(rng)
				if s < c.lo || s > c.hi {
					t.Fatalf("level %v outside [%v, %v]", s, c.lo, c.hi)
				}
				sum += math.Log(s)
				sum2 += math.Log(s) * math.Log(s)
			}
			mean := sum / n
			std := math.Sqrt(sum2/n - mean*mean)
			if math.Abs(mean-c.mean) > c.tol || math.Abs(std-c.std) > c.tol {
				t.Errorf("ln sigma: mean %.4f, std %.4f; want %.4f, %.4f within %g", mean, std, c.mean, c.std, c.tol)
			}
		})
	}
}

// A ladder that cuts the normal keeps every draw inside it, even one far
// from the normal's centre, where redrawing gives up and takes the end.
func TestEDMLevelsStayOnTheLadder(t *testing.T) {
	for _, c := range []struct {
		name   string
		hi, lo float64
	}{
		{"around the centre", 0.5, 0.1},
		{"far above it", 100, 50},
		{"far below it", 1e-6, 1e-7},
	} {
		t.Run(c.name, func(t *testing.T) {
			draw := levelDraw{kind: lognormal, sigmas: []float64{c.hi, c.lo}, sigmaData: 0.5}
			rng := rand.New(rand.NewPCG(3, 4))
			for range 2000 {
				if s := draw.level(rng); !(s >= c.lo && s <= c.hi) {
					t.Fatalf("level %v outside [%v, %v]", s, c.lo, c.hi)
				}
			}
		})
	}
}

// EDM's weighting: lambda = sigma^2 (1 + sigma^2/sigma_data^2), under
// which a preconditioned network's raw output is fitted with weight 1 at
// every level; the other losses keep sigma^2.
func TestEDMWeight(t *testing.T) {
	for _, c := range []struct {
		name             string
		kind             levelKind
		row, sigma, want float64
	}{
		{"at sigma_data", lognormal, 1, 0.5, 0.5},
		{"small sigma: sigma^2", lognormal, 1, 1e-3, 1e-6 * (1 + 4e-6)},
		{"large sigma, row weight", lognormal, 0.25, 2, 0.25 * 4 * 17},
		{"anneal_dsm", ladder, 0.25, 2, 1},
		{"vesde_dsm", continuous, 1, 3, 9},
	} {
		t.Run(c.name, func(t *testing.T) {
			draw := levelDraw{kind: c.kind, sigmaData: 0.5}
			if got := draw.weight(c.row, c.sigma); math.Abs(got-c.want) > 1e-15*c.want {
				t.Errorf("weight(%v, %v) = %v, want %v", c.row, c.sigma, got, c.want)
			}
		})
	}
}

// edm_dsm refuses a model that is not preconditioned, naming the key.
func TestEDMNeedsSigmaData(t *testing.T) {
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{4}, Activation: "swish", NoiseConditional: true}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{Graph, Fused} {
		_, err := New("edm_dsm", m, Options{Batch: 2, Sigmas: []float64{1, 0.1}, Engine: engine})
		if err == nil || !strings.Contains(err.Error(), "model.sigma_data") {
			t.Errorf("%s: %v, want a refusal naming model.sigma_data", engine, err)
		}
	}
}
