package train

import (
	"fmt"
	"math/rand/v2"

	"scorenet/configs"
	"scorenet/datasets"
)

// Independent random streams derived from the config's seed, so that
// changing how one is used never shifts another.
const (
	streamData uint64 = iota + 1
	streamSplit
	streamInit
	streamShuffle
	streamNoise
	streamValidNoise
)

func newRNG(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream<<48))
}

// Data is a run's data, split and in the units the model sees.
type Data struct {
	Train, Valid datasets.Points     // standardised when the config asks for it
	Norm         datasets.Normalizer // maps data units to model units
	Density      datasets.Density    // the true density in data units, or nil
}

// PrepareData generates or reads the config's data set, splits off the
// held-out fraction and standardises both parts with the training part's
// statistics. The same config always gives the same Data.
func PrepareData(cfg *configs.Config) (*Data, error) {
	d := cfg.Data
	all, dens, err := datasets.Generate(datasets.Spec{
		Name: d.Dataset, N: d.N, Mean: d.Mean, Cov: d.Cov,
		Means: d.Means, Weights: d.Weights, Std: d.Std, Noise: d.Noise, Path: d.Path,
	}, newRNG(cfg.Seed, streamData))
	if err != nil {
		return nil, err
	}
	trainPts, valid, err := datasets.Split(all, d.Holdout, newRNG(cfg.Seed, streamSplit))
	if err != nil {
		return nil, err
	}
	norm := datasets.Identity(all.D)
	if d.Standardize {
		norm = datasets.FitNormalizer(trainPts)
	}
	return &Data{Train: norm.Apply(trainPts), Valid: norm.Apply(valid), Norm: norm, Density: dens}, nil
}

// batchOrder yields training batches: the concatenation of one random
// permutation of the training set per epoch, cut into consecutive batches.
// Epoch e's permutation depends only on the seed and e, so batch k can be
// found from k alone and a resumed run draws exactly the batches an
// uninterrupted one would.
type batchOrder struct {
	seed  uint64
	n     int
	epoch int
	perm  []int
}

func newBatchOrder(seed uint64, n int) *batchOrder {
	return &batchOrder{seed: seed, n: n, epoch: -1}
}

// batch writes the indices of batch k (0-based) into idx.
func (b *batchOrder) batch(k int, idx []int) {
	pos := k * len(idx)
	for i := range idx {
		e, r := (pos+i)/b.n, (pos+i)%b.n
		if e != b.epoch {
			b.perm = rand.New(rand.NewPCG(b.seed, streamShuffle<<48|uint64(e))).Perm(b.n)
			b.epoch = e
		}
		idx[i] = b.perm[r]
	}
}

func (b *batchOrder) String() string {
	return fmt.Sprintf("pcg(seed=%d, stream=shuffle<<48|epoch) permutation per epoch, batch k from position k*batch_size", b.seed)
}
