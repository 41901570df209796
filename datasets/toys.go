package datasets

import (
	"math"
	"math/rand/v2"
	"scorenet/points"
)

// A toy is a 2-D distribution without a closed-form score, used to look at
// what a model learns. Each draws one point from u, its own random source;
// noise is the standard deviation of isotropic Gaussian noise added after.
type toy struct {
	defaultNoise float64
	draw         func(rng *rand.Rand) (x, y float64)
}

// toys holds the built-in 2-D data sets. Their definitions:
//
//   - moons: two interleaved half circles; with t ~ U(0, pi), the upper moon
//     is (cos t, sin t) and the lower (1 - cos t, 0.5 - sin t), each drawn
//     with probability 1/2. Noise 0.05.
//   - swiss_roll: t = 1.5 pi (1 + 2u), u ~ U(0, 1), point (t cos t, t sin t)/5.
//     Noise 0.05.
//   - circles: two concentric circles of radius 1 and 0.5, angle uniform,
//     each with probability 1/2. Noise 0.03.
//   - checkerboard: uniform on the 8 black squares of a 4 x 4 board of unit
//     squares covering [-2, 2]^2 (a square is black when the sum of the
//     integer parts of its corner is even), then scaled by 2. Noise 0.
//   - pinwheel: 5 arms; a point of arm k has radius r ~ N(1, 0.3^2) and
//     tangential offset t ~ N(0, 0.1^2), and (r, t) is rotated by
//     2 pi k/5 + 0.25 exp(r), then scaled by 2. Noise 0.
//   - eight_gaussians: 8 equally weighted components centred on the circle
//     of radius 2 at angles k pi/4; the noise is their standard deviation.
//     Noise 0.1.
//   - spirals: two interleaved spirals; t = 3 pi sqrt(u), u ~ U(0, 1), and the
//     point is +/- (-t cos t, t sin t)/3, either sign with probability 1/2.
//     Noise 0.1.
var toys = map[string]toy{
	"moons": {0.05, func(rng *rand.Rand) (float64, float64) {
		t := math.Pi * rng.Float64()
		if rng.IntN(2) == 0 {
			return math.Cos(t), math.Sin(t)
		}
		return 1 - math.Cos(t), 0.5 - math.Sin(t)
	}},
	"swiss_roll": {0.05, func(rng *rand.Rand) (float64, float64) {
		t := 1.5 * math.Pi * (1 + 2*rng.Float64())
		return t * math.Cos(t) / 5, t * math.Sin(t) / 5
	}},
	"circles": {0.03, func(rng *rand.Rand) (float64, float64) {
		a := 2 * math.Pi * rng.Float64()
		r := 1.0
		if rng.IntN(2) == 0 {
			r = 0.5
		}
		return r * math.Cos(a), r * math.Sin(a)
	}},
	"checkerboard": {0, func(rng *rand.Rand) (float64, float64) {
		for {
			x, y := 4*rng.Float64()-2, 4*rng.Float64()-2
			if (int(math.Floor(x))+int(math.Floor(y)))%2 == 0 {
				return 2 * x, 2 * y
			}
		}
	}},
	"pinwheel": {0, func(rng *rand.Rand) (float64, float64) {
		const arms, radial, tangential, rate = 5, 0.3, 0.1, 0.25
		k := rng.IntN(arms)
		r := 1 + radial*rng.NormFloat64()
		t := tangential * rng.NormFloat64()
		a := 2*math.Pi*float64(k)/arms + rate*math.Exp(r)
		return 2 * (r*math.Cos(a) - t*math.Sin(a)), 2 * (r*math.Sin(a) + t*math.Cos(a))
	}},
	"eight_gaussians": {0.1, func(rng *rand.Rand) (float64, float64) {
		a := math.Pi / 4 * float64(rng.IntN(8))
		return 2 * math.Cos(a), 2 * math.Sin(a)
	}},
	"spirals": {0.1, func(rng *rand.Rand) (float64, float64) {
		t := 3 * math.Pi * math.Sqrt(rng.Float64())
		x, y := -t*math.Cos(t)/3, t*math.Sin(t)/3
		if rng.IntN(2) == 0 {
			return -x, -y
		}
		return x, y
	}},
}

func sampleToy(t toy, n int, noise float64, rng *rand.Rand) points.Points {
	p := points.New(n, 2)
	for i := 0; i < n; i++ {
		x, y := t.draw(rng)
		p.X[2*i] = x + noise*rng.NormFloat64()
		p.X[2*i+1] = y + noise*rng.NormFloat64()
	}
	return p
}
