#!/usr/bin/env bash
# scorenet against PyTorch, side by side, on the same CPU: one command.
#
#   bash bench/run.sh            # about 10 minutes; BUDGET=1 for a quicker pass
#
# It installs what it needs from Debian (python3-torch for the PyTorch side,
# libopenblas-dev for scorenet's -tags openblas build, which PyTorch's BLAS
# then also uses), saying so first. Every case runs on one thread
# (GOMAXPROCS, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, torch.set_num_threads
# all 1), then scorenet's pure-Go build and PyTorch again on two, PyTorch
# with OMP_WAIT_POLICY=passive (its fastest two-thread setting here).
# Between them, two one-thread copies of the float32 D = 784 step run at
# once: how much the host's two vCPUs slow each other, and so the least
# time any split of that step over two threads could take here. The
# image-size cases (D = 784) are included; the float32 ones, issue 21's
# targets, are measured REPEATS (default 3) times in all, the two sides
# alternating, and the tables give each one's median. Then the
# log-likelihood by the
# probability-flow ODE (exact trace and Hutchinson, D = 2 and 50, 10,000
# points), on the same network and points on both sides: scorenetbench
# writes them to bench/out/likelihood/ for bench/torch_likelihood.py, which
# checks its log p against scorenet's. That adds about 4 minutes, 2.5 of
# them the exact trace at D = 50 (PyTorch takes 75 s on one thread);
# LIK_EXACT50=2000 runs that case on the first 2000 points only (the whole
# likelihood part then takes about 1.5 minutes). Results go to bench/out/
# and the tables to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in python3-torch libopenblas-dev; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]} with apt-get (needs root and Debian's package mirrors)..." >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

export GOMAXPROCS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 THREADS=1
BUDGET=${BUDGET:-2}
out=bench/out
mkdir -p "$out"
go build -o "$out/bench-purego" ./bench/scorenetbench
go build -tags openblas -o "$out/bench-openblas" ./bench/scorenetbench

# The model name alone can be as vague as "Intel(R) Xeon(R) Processor": add
# the family and model numbers and the vector extensions the speed hangs on.
cpu_field() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'; }
cpu_flags=" $(cpu_field flags) "
vector_extensions=""
for f in avx2 fma avx512f avx512dq avx512_bf16 amx_bf16 amx_tile; do
	if [[ $cpu_flags == *" $f "* ]]; then vector_extensions+="$f "; fi
done
echo "machine: $(cpu_field 'model name') (family $(cpu_field 'cpu family'), model $(cpu_field 'model\s*:' || true)), vector extensions: ${vector_extensions:-none of AVX2/AVX-512}; $(getconf _NPROCESSORS_ONLN) cores; $(go version | cut -d' ' -f3); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); PyTorch's BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)" | tee "$out/machine.txt"
echo "measuring (budget ${BUDGET}s a case)..." >&2
"$out/bench-purego" measure -impl scorenet-purego -large -budget "${BUDGET}s" > "$out/purego.jsonl"
"$out/bench-openblas" measure -impl scorenet-openblas -large -budget "${BUDGET}s" > "$out/openblas.jsonl"
BUDGET=$BUDGET LARGE=1 /usr/bin/python3 bench/torch_bench.py > "$out/pytorch.jsonl"
# What two threads can reach on this host at all: two one-thread copies of
# the float32 step at once. Where the two vCPUs slow each other (a shared
# core's vector units, its caches, memory bandwidth), a step split perfectly
# over both still takes more than half of one thread's time; the report
# prints that floor beside the two-thread target.
pair() {
	for copy in 1 2; do
		"$out/bench-purego" measure -impl scorenet-purego-pair -only anneal_dsm-large-f32 -large -budget "${BUDGET}s" > "$out/pair-$copy.tmp" &
	done
	wait
	cat "$out/pair-1.tmp" "$out/pair-2.tmp" >> "$out/pair.jsonl"
	rm -f "$out/pair-1.tmp" "$out/pair-2.tmp"
}
: > "$out/pair.jsonl"
echo "two one-thread float32 steps at once..." >&2
pair
# Each two-thread scorenet run first measures a cache line's round trip
# between its two threads; the report prints it beside that run's float32
# step, since the split step's speed follows where the host puts the vCPUs.
echo "measuring on two threads..." >&2
GOMAXPROCS=2 "$out/bench-purego" measure -impl scorenet-purego-2t -large -budget "${BUDGET}s" > "$out/purego-2t.jsonl"
THREADS=2 OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2 OMP_WAIT_POLICY=passive IMPL=pytorch-2t BUDGET=$BUDGET LARGE=1 /usr/bin/python3 bench/torch_bench.py > "$out/pytorch-2t.jsonl"
# The host's speed drifts by a quarter within minutes: measure the
# image-size float32 cases (issue 21's targets) REPEATS times in all, the
# sides alternating, and let the report take each one's median.
REPEATS=${REPEATS:-3}
f32="anneal_dsm-large-f32,annealed-large-f32"
for ((r = 2; r <= REPEATS; r++)); do
	echo "the image-size float32 cases again ($r of $REPEATS)..." >&2
	"$out/bench-purego" measure -impl scorenet-purego -only "$f32" -large -budget "${BUDGET}s" >> "$out/purego.jsonl"
	pair
	ONLY=large-f32 BUDGET=$BUDGET /usr/bin/python3 bench/torch_bench.py >> "$out/pytorch.jsonl"
	GOMAXPROCS=2 "$out/bench-purego" measure -impl scorenet-purego-2t -only "$f32" -large -budget "${BUDGET}s" >> "$out/purego-2t.jsonl"
	THREADS=2 OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2 OMP_WAIT_POLICY=passive IMPL=pytorch-2t ONLY=large-f32 BUDGET=$BUDGET /usr/bin/python3 bench/torch_bench.py >> "$out/pytorch-2t.jsonl"
done
echo "likelihood..." >&2
LIK_EXACT50=${LIK_EXACT50:-10000}
likbudget=$(awk "BEGIN { print 3 * $BUDGET }") # a case is repeated (up to 3 times, median) while it has taken less
lik=(-dir "$out/likelihood" -limit "50/exact=$LIK_EXACT50" -budget "${likbudget}s" -repeats 3)
"$out/bench-purego" likelihood -impl scorenet-purego "${lik[@]}" > "$out/likelihood-purego.jsonl"
LIKDIR="$out/likelihood" BUDGET=$likbudget /usr/bin/python3 bench/torch_likelihood.py > "$out/likelihood-pytorch.jsonl"
GOMAXPROCS=2 "$out/bench-purego" likelihood -impl scorenet-purego-2t -write=false "${lik[@]}" > "$out/likelihood-purego-2t.jsonl"
THREADS=2 OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2 OMP_WAIT_POLICY=passive IMPL=pytorch-2t LIKDIR="$out/likelihood" BUDGET=$likbudget /usr/bin/python3 bench/torch_likelihood.py > "$out/likelihood-pytorch-2t.jsonl"
echo "scaling study..." >&2
"$out/bench-purego" scaling -budget 1s -plot "$out/scaling.png" > "$out/scaling.jsonl"
echo
"$out/bench-purego" report "$out/purego.jsonl" "$out/pair.jsonl" "$out/purego-2t.jsonl" "$out/openblas.jsonl" "$out/pytorch.jsonl" "$out/pytorch-2t.jsonl" \
	"$out/likelihood-purego.jsonl" "$out/likelihood-purego-2t.jsonl" "$out/likelihood-pytorch.jsonl" "$out/likelihood-pytorch-2t.jsonl" | tee "$out/table.md"
echo
echo "scaling plot: $out/scaling.png"
