#!/usr/bin/env bash
# Trains every shipped config briefly and runs every command on it, writing
# the outputs to OUT; compare.sh then compares two such folders file by file
# (checkpoints by tensors and metadata, less the elapsed time and its hash;
# stdout and stderr with timings masked). Run both from the same OUT path:
# the runs record their directory. Used to check that a refactor changes no
# output (issue 18): run.sh OLD /tmp/g/cur && mv /tmp/g/cur /tmp/g/old; run.sh NEW
# /tmp/g/cur && mv /tmp/g/cur /tmp/g/new; compare.sh /tmp/g/old /tmp/g/new.
# usage: run.sh BIN OUT  -- trains short versions of every shipped config and records outputs
set -u
BIN=$1; OUT=$2; rm -rf "$OUT"; mkdir -p "$OUT"; cd "$(dirname "$0")/../.."
log() { echo "$*" >> "$OUT/log.txt"; }
r() { log "+ $*"; "$BIN" "$@" >>"$OUT/stdout.txt" 2>>"$OUT/stderr.txt"; log "rc=$?"; }
for cfg in gaussian2d gaussian1d_model moons mixture_annealed mixture_vesde checkerboard_vesde fashion_mnist; do
  R=$OUT/runs/$cfg
  steps=400; n=200
  [ $cfg = fashion_mnist ] && { steps=30; n=16; }
  extra=(); [ $cfg = fashion_mnist ] && extra=(-set model.hidden=[64,64] -set train.batch_size=32 -set train.checkpoint_every=15 -set train.eval_every=10 -set train.log_every=5 -set data.holdout=0.002)
  [ $cfg != fashion_mnist ] && extra=(-set train.checkpoint_every=200 -set train.eval_every=100 -set train.log_every=50)
  r train -config configs/$cfg.yaml -set output.dir=$R -set train.steps=$steps "${extra[@]}" -threads 2
  r sample -run $R -out $OUT/$cfg.samples.csv -n $n -threads 2
  r sample -run $R -out $OUT/$cfg.samples1.csv -n $n -threads 1 -checkpoint best
  for s in langevin annealed pc ode; do r sample -run $R -out $OUT/$cfg.$s.csv -n $n -sampler $s -set sample.steps=50 -set sample.steps_per_level=5 -set sample.levels=40 -threads 2; done
  r eval -run $R -n $n -likelihood 50 -threads 2
  [ -f $R/eval.json ] && cp $R/eval.json $OUT/$cfg.eval.json
  head -51 $OUT/$cfg.samples.csv > $OUT/$cfg.in.csv
  r score -run $R -in $OUT/$cfg.in.csv -out $OUT/$cfg.score.csv
  r likelihood -run $R -in $OUT/$cfg.in.csv -out $OUT/$cfg.ll.csv
  r likelihood -run $R -in $OUT/$cfg.in.csv -out $OUT/$cfg.llh.csv -trace hutchinson -probes 2
  r plot -run $R -out $OUT/$cfg.plots
  r sample -run $R -out $OUT/$cfg.sh0.csv -n $n -shard 0/2
  r sample -run $R -out $OUT/$cfg.sh1.csv -n $n -shard 1/2
  r merge -out $OUT/$cfg.merged.csv $OUT/$cfg.sh0.csv $OUT/$cfg.sh1.csv
  [ $cfg = fashion_mnist ] && r sample -run $R -out $OUT/$cfg.g.npy -n 16 -grid $OUT/$cfg.grid.png
  [ $cfg = moons ] && r sample -run $R -out $OUT/$cfg.p.csv -n $n -plot $OUT/$cfg.plot.png
done
r sample -run $OUT/runs/mixture_annealed -out $OUT/analytic.csv -n 200 -score analytic -set sample.steps_per_level=5
r likelihood -run $OUT/runs/mixture_vesde -in $OUT/mixture_vesde.in.csv -out $OUT/analytic.ll.csv -score analytic
r sigmas -config configs/mixture_annealed.yaml
