#!/usr/bin/env bash
# Hodgkin-Huxley against Morris-Lecar at the same size (bench/RESULTS.md, "Hodgkin-Huxley"):
# data/beyond/evidence_hh.ini (32 neurons, 16 trials, 200 ms at dt 0.05: 4000 steps) and the
# same network of Morris-Lecar neurons (its paper constants, input scale and readout), one
# evaluation on one core by esbio_bench_task (CPU seconds, best of 3) and whole ES generations on
# 2 ranks (median /history/wall_s), alternating rounds; the fixed-step scheme's fraction of the
# floating-point limit; and one BDF trajectory of the HH network, esbio against SciPy.
#   bench/hh_speed.sh [BUILD_DIR=build/release] [ROUNDS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-2}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hh=(--config data/beyond/evidence_hh.ini)
ml=(--config data/beyond/evidence_hh.ini --neuron.model morris_lecar --network.input_gain 36.75
    --network.input_bias 39.9 --network.vt -3 --network.kp 8 --task.trial_v0_mean -20)
limit=$("$build/bench/esbio_bench_flops" | awk '{print $2}' | sort -g | tail -1)
echo "floating-point limit per core (float64): $limit GFLOP/s"
# Flops of one evaluation: 16 trials x 4000 steps x (2 x 32^2 for the coupling + F per neuron),
# F = 100 for HH (6 exps, 2 divisions, two 8-term polynomials for alpha_m and alpha_n's removable
# singularities; each exp and division counted as one: an undercount) and 40 for Morris-Lecar.
per_eval() { # label flops-per-neuron-step precision-factor esbio_bench_task-args...
  local label=$1 f=$2 x=$3
  shift 3
  local cpu
  cpu=$("$build/bench/esbio_bench_task" "$@" --reps 3 | sed -n 's/^best of 3: \([0-9.]*\) s CPU.*/\1/p')
  $py -c "
f = 16 * 4000 * (2 * 32**2 + $f * 32); s = $cpu
print(f'$label: {s * 1e3:.1f} ms CPU per evaluation, {f / s / 1e9:.1f} GFLOP/s, {f / s / 1e9 / ($limit * $x):.0%} of the limit')"
}
for r in $(seq "$rounds"); do
  per_eval "HH float64" 100 1 "${hh[@]}"
  per_eval "ML float64" 40 1 "${ml[@]}"
  per_eval "HH float32" 100 2 "${hh[@]}" --task.precision float32
  per_eval "ML float32" 40 2 "${ml[@]}" --task.precision float32
done
median() { $py -c "import sys, h5py, numpy as np; print(f'{np.median(h5py.File(sys.argv[1])[\"history/wall_s\"][1:]):.3f}')" "$1"; }
for r in $(seq "$rounds"); do
  for which in hh ml; do
    declare -n args=$which
    mpirun --allow-run-as-root -np 2 "$build/esbio" train "${args[@]}" --es.generations 4 \
      --task.validation_trials 16 --out "$tmp/$which-$r.h5" --quiet
    echo "round $r $which: $(median "$tmp/$which-$r.h5") s per generation (20 members, 2 ranks)"
  done
done
echo "one BDF trajectory, rtol = atol = 1e-6:"
"$build/bench/esbio_bench_task" --config data/beyond/evidence_hh_bdf.ini --reps 3 | sed -n 2,3p
$py bench/scipy_hh_network_bdf.py --reps 3
