package rundir

import (
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/seeds"
)

// Data is a run's data, split and in the units the model sees.
type Data struct {
	Train, Valid datasets.Points     // standardised when the config asks for it
	Norm         datasets.Normalizer // maps data units to model units
	Density      datasets.Density    // the true density in data units, or nil
}

// Prepare generates or reads the config's data set, splits off the
// held-out fraction and standardises both parts with the training part's
// statistics. The same config always gives the same Data.
func Prepare(cfg *configs.Config) (*Data, error) {
	d := cfg.Data
	all, dens, err := datasets.Generate(datasets.Spec{
		Name: d.Dataset, N: d.N, Mean: d.Mean, Cov: d.Cov,
		Means: d.Means, Weights: d.Weights, Std: d.Std, Noise: d.Noise, Path: d.Path,
	}, seeds.New(cfg.Seed, seeds.Data))
	if err != nil {
		return nil, err
	}
	trainPts, valid, err := datasets.Split(all, d.Holdout, seeds.New(cfg.Seed, seeds.Split))
	if err != nil {
		return nil, err
	}
	norm := datasets.Identity(all.D)
	if d.Standardize {
		norm = datasets.FitNormalizer(trainPts)
	}
	return &Data{Train: norm.Apply(trainPts), Valid: norm.Apply(valid), Norm: norm, Density: dens}, nil
}
