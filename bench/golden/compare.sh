#!/usr/bin/env bash
# A shard sidecar's checkpoint_sha256 covers the checkpoint's elapsed time, so it is left out.
# compare.sh A B: byte-compare every output file; stderr/stdout with timings filtered
A=$1; B=$2
filt() { sed -E 's/"(chain_steps_per_second|seconds|[a-z_]*per_second)": [0-9.e+-]+/T/; s/[0-9.]+ (steps\/s|ms|s\b|chains\/s|chain-steps\/s|evaluations\/s|points\/s)/T \1/g; s/in [0-9.]+(ms|s|m[0-9.]+s)/in T/g; s/[0-9]+(\.[0-9]+)?(s|ms) /T /g' "$1"; }
(cd $A && find . -type f ! -name stdout.txt ! -name stderr.txt ! -name metrics.jsonl ! -name eval.json ! -name '*.eval.json' | sort) > "$A/../files.txt"
n=0; bad=0
while read f; do n=$((n+1)); case "$f" in *.lock|./log.txt) continue;; *.shard.json) if ! diff -q <(grep -v checkpoint_sha256 "$A/$f") <(grep -v checkpoint_sha256 "$B/$f") >/dev/null; then echo "DIFF $f"; bad=$((bad+1)); fi; continue;; *.safetensors) out=$(python3 "$(dirname "$0")/st.py" "$A/$f" "$B/$f" | grep -v 'elapsed_seconds\|meta sha256'); [ "$out" = "data same tensors same" ] && continue; echo "DIFF $f $out"; bad=$((bad+1)); continue;; esac; if ! cmp -s "$A/$f" "$B/$f"; then echo "DIFF $f"; bad=$((bad+1)); fi; done < "$A/../files.txt"
for f in $(cd $A && find . -name metrics.jsonl -o -name '*.eval.json' -o -name eval.json | sort); do n=$((n+1))
  if ! diff -q <(sed -E 's/"(elapsed|seconds|steps_per_s|time|wall|[a-z_]*per_s[a-z_]*|[a-z_]*seconds[a-z_]*|[a-z_]*_s)": *[0-9.e+-]+/"\1":T/g' $A/$f) <(sed -E 's/"(elapsed|seconds|steps_per_s|time|wall|[a-z_]*per_s[a-z_]*|[a-z_]*seconds[a-z_]*|[a-z_]*_s)": *[0-9.e+-]+/"\1":T/g' $B/$f) >/dev/null; then echo "DIFF $f"; bad=$((bad+1)); fi; done
for f in stdout.txt stderr.txt; do diff <(filt $A/$f | sed "s|$A|X|g") <(filt $B/$f | sed "s|$B|X|g") > "$A/../$f.diff" || { echo "DIFF $f ($(wc -l < "$A/../$f.diff") lines)"; bad=$((bad+1)); }; done
echo "$n files compared, $bad differ"
