#!/usr/bin/env bash
# Seconds per ES generation of task B at the paper's size, esbio against PyTorch, side by side in
# one invocation (bench/RESULTS.md, "Task B at the speed of the machine"). Builds nothing:
#
#   bench/evidence_speed.sh [BUILD_DIR=build/release] [GENERATIONS=3]
#
# esbio: `mpirun -np 2 esbio train --config data/paper/evidence.ini` in float64 and float32
# (task.precision), seconds per generation from the run file's /history/wall_s (median over the
# generations after the first), the continuous model (task.integrator = bdf) and the fraction of
# the floating-point limit (bench/src/flops.cpp) the fixed-step scheme reaches. PyTorch: bench/torch_evidence.py (101 evaluations of 50 trials x
# 2000 steps, 2 threads), float32 and float64, oneDNN on and off. Needs python3-torch (and, for
# PyTorch's matrix products, OpenBLAS: libopenblas0; without it libblas.so.3 is the reference BLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
generations=${2:-3}
esbio=$build/esbio
py=/usr/bin/python3
[[ -x $esbio ]] || { echo "evidence_speed: no $esbio (build first)" >&2; exit 2; }
$py -c "import torch, h5py" 2>/dev/null ||
  { echo "evidence_speed: needs python3-torch and python3-h5py (apt-get install -y python3-torch python3-h5py)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "esbio: $esbio ($(basename "$build")), $generations generations on 2 ranks"

declare -A secs
for precision in float64 float32; do
  mpirun --allow-run-as-root -np 2 "$esbio" train --config data/paper/evidence.ini \
    --es.generations "$generations" --task.precision "$precision" --task.validation_trials 50 \
    --out "$tmp/$precision.h5" --quiet
  secs[esbio_$precision]=$($py - "$tmp/$precision.h5" <<'EOF'
import sys, h5py, numpy as np
w = h5py.File(sys.argv[1])["history/wall_s"][:]
print(f"{np.median(w[1:] if len(w) > 1 else w):.3f}")
print("  esbio per generation (s):", " ".join(f"{x:.2f}" for x in w), file=sys.stderr)
EOF
)
  echo "esbio $precision: ${secs[esbio_$precision]} s per generation"
done

# The continuous model (CVODE BDF, float64 only): 2 generations, the second timed.
mpirun --allow-run-as-root -np 2 "$esbio" train --config data/paper/evidence.ini \
  --es.generations 2 --task.integrator bdf --task.validation_trials 50 --out "$tmp/bdf.h5" --quiet
secs[esbio_bdf]=$($py -c "import sys, h5py; print(f'{h5py.File(sys.argv[1])[\"history/wall_s\"][-1]:.3f}')" "$tmp/bdf.h5")
echo "esbio bdf (continuous model, float64): ${secs[esbio_bdf]} s per generation"

# The fixed-step scheme against the floating-point limit: 101 evaluations x 2000 steps of the
# coupling (2 x 50 x 128^2 flops) and the neuron update (40 flops per neuron and trial, each
# exp and reciprocal counted as one: an undercount), over 2 cores at the widest vector limit
# esbio_bench_flops measures (float32 twice the float64 rate).
limit=$("$build/bench/esbio_bench_flops" | awk '{print $2}' | sort -g | tail -1)
fraction() {
  $py -c "f = 101 * 2000 * (2 * 50 * 128**2 + 40 * 50 * 128); r = f / $1 / 2 / 1e9
print(f'{r:.1f} GFLOP/s per core, {r / ($limit * $2):.0%} of the {$limit * $2:.0f} GFLOP/s limit')"
}
echo "floating-point limit per core (float64): $limit GFLOP/s"
echo "  esbio float64: $(fraction "${secs[esbio_float64]}" 1)"
echo "  esbio float32: $(fraction "${secs[esbio_float32]}" 2)"

for dtype in float32 float64; do
  for mk in on off; do
    line=$($py bench/torch_evidence.py --dtype $dtype --mkldnn $mk --layout auto 2>"$tmp/probe")
    sed 's/^/  /' "$tmp/probe"
    echo "$line"
    secs[torch_${dtype}_$mk]=$(sed -n 's/.*s_per_generation \([0-9.]*\) .*/\1/p' <<<"$line")
  done
done

ref=${secs[torch_float32_on]}
ratio() { $py -c "print(f'{$1 / $2:.3f}')"; }
echo
echo "ratios (esbio s/generation over PyTorch float32 + oneDNN, 2 threads, $ref s):"
echo "  esbio float64: $(ratio "${secs[esbio_float64]}" "$ref")   (target <= 0.4)"
echo "  esbio float32: $(ratio "${secs[esbio_float32]}" "$ref")   (target <= 0.2)"
echo "same precision: esbio float64 / torch float64 oneDNN = $(ratio "${secs[esbio_float64]}" "${secs[torch_float64_on]}"),"\
     "esbio float32 / torch float32 without oneDNN = $(ratio "${secs[esbio_float32]}" "${secs[torch_float32_off]}")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
