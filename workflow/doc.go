// Package workflow is scorenet's application layer: it turns a config or a
// trained run into calls of the library below it. It prepares a run's data
// (Prepare), chooses the auto values of a config from them and returns
// them (ChooseAuto, Auto.Apply), opens a run with its data and scorers on
// demand (Open, Run), and holds the one sampling recipe every command that
// samples uses (Job, Sample): the chains' streams and starting points, one
// scorer per worker, the sampler, and the samples back in data units; and
// the one likelihood recipe (LogLikelihood).
//
// It never imports train or evaluate: the commands that read a run stand
// on it without the trainer.
package workflow
