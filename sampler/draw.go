package sampler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"scorenet/internal/noisescale"
	"scorenet/points"
)

// Init says where generated chains start: uniformly in the box
// [Low, High]^D ("uniform") or from N(0, Std^2 I) ("gaussian").
type Init struct {
	Kind      string
	Low, High float64
	Std       float64
}

// Prior is what the samplers FromPrior names know of the data perturbed to
// the largest level sigma_1: its mean and its variance in each coordinate
// beyond sigma_1^2 (the data's own). The zero Prior is N(0, sigma_1^2 I),
// the VE SDE's prior for sigma_1 far above the data's spread; the data's
// moments matter where it is not: a probability-flow solver is a
// deterministic map, so a start off the data's perturbed mean moves mass
// between modes (a 0.8/0.2 mixture at +-(5, 5) with sigma_1 = 20.7 came out
// 0.75/0.25 from N(0, sigma_1^2 I), 0.80/0.20 from the moments), and a
// start of the data's mean variance in every direction gives each
// principal direction of variance lambda the spread sqrt((sigma_1^2 +
// Var) / (sigma_1^2 + lambda)) of the data's in the end (exactly, for
// Gaussian data): Fashion-MNIST's first, lambda = 19.7 against Var = 0.087
// at sigma_1 = 20.3, comes out 0.977 of its spread. Axes, where given,
// are those directions: the start then has the data's covariance along
// them and Rest, the mean variance of the directions they leave out,
// along the others.
type Prior struct {
	Mean []float64 // nil: 0
	Var  float64
	Axes []Axis // nil: Var in every direction
	Rest float64
}

// Axis is a principal direction of the data (a unit vector) and the
// data's variance along it.
type Axis struct {
	Var float64
	Dir []float64
}

// Start returns the starting points of the chains whose streams are given,
// in R^d: for the samplers FromPrior names, N(prior.Mean, (sigma_1^2 +
// prior.Var) I) with sigma_1 the largest of sigmas, or with prior.Axes
// the data's covariance along them and prior.Rest across them in place of
// prior.Var; otherwise as init says.
func Start(kind string, init Init, sigmas []float64, prior Prior, d int, streams []*rand.Rand) (points.Points, error) {
	if FromPrior(kind) {
		if len(sigmas) == 0 {
			return points.Points{}, fmt.Errorf("sampler: %s starts from N(0, sigma_1^2 I) and needs noise levels", kind)
		}
		if prior.Mean != nil && len(prior.Mean) != d {
			return points.Points{}, fmt.Errorf("sampler: a prior mean of %d coordinates for %d-dimensional chains", len(prior.Mean), d)
		}
		for _, a := range prior.Axes {
			if len(a.Dir) != d {
				return points.Points{}, fmt.Errorf("sampler: a prior axis of %d coordinates for %d-dimensional chains", len(a.Dir), d)
			}
		}
		p := Gaussian(d, math.Sqrt(sigmas[0]*sigmas[0]+prior.Var), streams)
		if len(prior.Axes) > 0 {
			prior.shape(p, sigmas[0])
		}
		for i := range prior.Mean {
			for c := range p.N {
				p.X[c*d+i] += prior.Mean[i]
			}
		}
		return p, nil
	}
	switch init.Kind {
	case "uniform":
		return Uniform(d, init.Low, init.High, streams), nil
	case "gaussian":
		return Gaussian(d, init.Std, streams), nil
	}
	return points.Points{}, fmt.Errorf("sampler: init kind %q has no generated starting points", init.Kind)
}

// shape turns p, drawn from N(0, (sigma_1^2 + Var) I), into draws of
// N(0, sigma_1^2 I + sum over the axes of Var_k u_k u_k^T + Rest (I - sum
// u_k u_k^T)) from the same standard normals z: sqrt(sigma_1^2 + Rest) z,
// plus along each axis the difference of its standard deviation and that.
// The axes come from one symmetric eigendecomposition, so they are
// orthonormal to rounding.
func (prior Prior) shape(p points.Points, sigma1 float64) {
	d, s2 := p.D, sigma1*sigma1
	from, rest := math.Sqrt(s2+prior.Var), math.Sqrt(s2+prior.Rest)
	along := make([]float64, len(prior.Axes))
	for c := range p.N {
		x := p.X[c*d : (c+1)*d]
		for k, a := range prior.Axes {
			dot := 0.0
			for i, u := range a.Dir {
				dot += u * x[i]
			}
			along[k] = (math.Sqrt(s2+a.Var) - rest) * dot / from
		}
		for i := range x {
			x[i] *= rest / from
		}
		for k, a := range prior.Axes {
			for i, u := range a.Dir {
				x[i] += along[k] * u
			}
		}
	}
}

// Result is what a Draw did besides moving the chains.
type Result struct {
	Snapshots []Snapshot
	// Evaluations are the score evaluations per chain: fixed by the
	// settings for the Langevin samplers, each chain's own for ode.
	Evaluations []int
	// Lost are the chains left out (Settings.MaxLost), in order.
	Lost []int
}

// MeanEvaluations is the mean number of score evaluations per chain, and
// the most any chain took.
func (r Result) MeanEvaluations() (mean float64, most int) {
	for _, e := range r.Evaluations {
		mean += float64(e)
	}
	if len(r.Evaluations) == 0 {
		return 0, 0
	}
	return mean / float64(len(r.Evaluations)), slices.Max(r.Evaluations)
}

// Draw advances the chains x in place by the sampler s.Kind names:
// annealed Langevin over s.Sigmas (largest first), plain Langevin at noise
// level s.Sigma (0 for scores without levels), pc over s.Sigmas (or a
// ladder of s.Levels between their ends), or the ode from the largest level
// to the smallest; it stops if a chain leaves [-s.Bound, s.Bound]^D (0:
// only if it stops being finite).
func Draw(s Settings, c Chains) (Result, error) {
	var res Result
	var err error
	if s.MaxLost > 0 && s.Kind != KindODE && c.Lost == nil {
		c.Lost = make([]bool, c.X.N)
	}
	fixed := func(n int) []int {
		if s.Denoise && s.Kind != KindLangevin && s.Kind != KindHeun && s.Kind != KindDPMPP2M {
			n++
		}
		out := make([]int, c.X.N)
		for i := range out {
			out[i] = n
		}
		return out
	}
	switch s.Kind {
	case KindAnnealed:
		res.Snapshots, err = Annealed(c, s)
		res.Evaluations = fixed(len(s.Sigmas) * s.StepsPerLevel)
	case KindLangevin:
		res.Snapshots, err = Langevin(c, s)
		res.Evaluations = fixed(s.Steps)
	case KindPC:
		s.Sigmas = s.PCLevels()
		res.Snapshots, err = PC(c, s)
		res.Evaluations = fixed((len(s.Sigmas) - 1) * (1 + s.CorrectorSteps))
	case KindODE:
		res.Evaluations, err = ODE(c, s)
	case KindHeun, KindDPMPP2M:
		if len(s.Sigmas) < 2 {
			return res, fmt.Errorf("sampler: %s solves from the largest noise level to the smallest, and the model has %d: it needs a ladder of two or more (train.sigmas)", s.Kind, len(s.Sigmas))
		}
		levels := s.SolverLevels()
		if len(levels) > 1 && checkLadder(levels) != nil {
			return res, fmt.Errorf("sampler: %s: the schedule of %d levels from %g to %g with rho %g is not finite and strictly decreasing; use a rho nearer EDM's 7",
				s.Kind, s.Steps, s.Sigmas[0], s.Sigmas[len(s.Sigmas)-1], s.Rho)
		}
		s.Sigmas = levels
		if s.Kind == KindDPMPP2M {
			res.Snapshots, err = DPMSolver2M(c, s)
			res.Evaluations = fixed(solverSteps(len(s.Sigmas), s.SigmaStop))
			break
		}
		res.Snapshots, err = Heun(c, s)
		res.Evaluations = fixed(heunEvaluations(len(s.Sigmas), s.SigmaStop))
	default:
		err = fmt.Errorf("sampler: unknown sampler %q", s.Kind)
	}
	for i, l := range c.Lost {
		if l {
			res.Lost = append(res.Lost, i)
		}
	}
	return res, err
}

// PCLevels are the levels the pc sampler walks: s.Sigmas, or s.Levels of
// them, geometric between its ends.
func (s Settings) PCLevels() []float64 {
	if s.Levels < 2 || len(s.Sigmas) < 2 {
		return s.Sigmas
	}
	return noisescale.Geometric(s.Sigmas[0], s.Sigmas[len(s.Sigmas)-1], s.Levels)
}

// Work is the score evaluations per chain TotalSteps' steps take: heun's
// levels take two each; for ode, whose evaluations are each chain's own,
// its progress units.
func (s Settings) Work() int {
	if s.Kind == KindHeun {
		return heunEvaluations(max(s.Steps, 1), s.SigmaStop)
	}
	return s.TotalSteps()
}

// SolverLevels are the levels heun and dpmpp_2m walk: s.Steps of them from
// the largest of s.Sigmas to the smallest (or s.SigmaStop, if larger),
// spaced by noisescale.Karras with exponent s.Rho (0: EDM's 7); nil for
// fewer than two steps or levels.
func (s Settings) SolverLevels() []float64 {
	if len(s.Sigmas) < 2 || s.Steps < 2 {
		return nil
	}
	rho := s.Rho
	if rho == 0 {
		rho = DefaultRho
	}
	return noisescale.Karras(s.Sigmas[0], max(s.Sigmas[len(s.Sigmas)-1], s.SigmaStop), rho, s.Steps)
}

// TotalSteps is the number of steps Draw takes, which its progress counts;
// for ode, whose steps are each chain's own, the thousandths of its time
// span.
func (s Settings) TotalSteps() int {
	switch s.Kind {
	case KindAnnealed:
		return len(s.Sigmas) * s.StepsPerLevel
	case KindPC:
		levels := len(s.Sigmas)
		if s.Levels >= 2 {
			levels = s.Levels
		}
		return (levels - 1) * (1 + s.CorrectorSteps)
	case KindODE:
		return odeProgressUnits
	case KindHeun, KindDPMPP2M:
		return max(solverSteps(s.Steps, s.SigmaStop), 1)
	}
	return s.Steps
}

// SaneBound is the region sampling must stay in: a chain with a coordinate
// beyond it has diverged. It is ten times the larger of the training
// data's largest |x_j| (maxAbs) widened by three of the largest noise
// level, and the reach of the starting points (startReach, the same for
// every chain of a sampling, so that a shard or one chain drawn alone gets
// the bound of the whole; the chains' own starts only where one lies
// beyond it): far outside anything the model was trained on or started
// from, yet finite enough to say where sampling broke.
func SaneBound(maxAbs float64, sigmas []float64, startReach float64, start points.Points) float64 {
	reach := math.Max(maxAbs, startReach)
	if len(sigmas) > 0 {
		reach = math.Max(reach, maxAbs+3*sigmas[0])
	}
	for _, v := range start.X {
		reach = math.Max(reach, math.Abs(v))
	}
	return 10 * math.Max(reach, 1)
}

// StartReach is how far generated starting points reach, whichever chains
// are drawn: the box for uniform ones, ten standard deviations (beyond the
// prior's mean) for Gaussian ones.
func StartReach(kind string, init Init, sigmas []float64, prior Prior) float64 {
	switch {
	case FromPrior(kind) && len(sigmas) > 0:
		reach := 0.0
		for _, m := range prior.Mean {
			reach = math.Max(reach, math.Abs(m))
		}
		v := math.Max(prior.Var, prior.Rest)
		for _, a := range prior.Axes {
			v = math.Max(v, a.Var)
		}
		return reach + 10*math.Sqrt(sigmas[0]*sigmas[0]+v)
	case init.Kind == "uniform":
		return math.Max(math.Abs(init.Low), math.Abs(init.High))
	case init.Kind == "gaussian":
		return 10 * init.Std
	}
	return 0
}
