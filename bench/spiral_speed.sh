#!/usr/bin/env bash
# Seconds per ES generation of task C at the paper's settings (data/paper/spiral.ini: H = 1000,
# S = 500, sigma = 0.01, Adams at 1e-4) on 2 ranks: esbio's default (float64 field, a normal per
# member and parameter), task.precision = float32, es.noise = table, both, and the numpy/scipy
# implementation of the same protocol (bench/numpy_spiral_es.py), in alternating rounds so that
# the machine's noise falls on all of them alike (bench/RESULTS.md, "Task C against numpy/scipy").
#
#   [BEFORE=/path/to/an/older/esbio] bench/spiral_speed.sh [BUILD_DIR=build/release] [ROUNDS=3]
#       [GENERATIONS=40]
#
# BEFORE adds a column for another build at its defaults (the issue's "today": 6c53e85).
#
# Each figure is the median of /history/wall_s from generation 4 on (numpy: its own printout, 14
# generations); the table gives each round and the median over rounds. Needs python3-h5py,
# python3-mpi4py and python3-scipy, and OpenBLAS (libopenblas0-pthread) so that numpy's products
# are not the reference BLAS's.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
generations=${3:-40}
esbio=$build/esbio
py=/usr/bin/python3
[[ -x $esbio ]] || { echo "spiral_speed: no $esbio (build first)" >&2; exit 2; }
$py -c "import h5py, mpi4py, scipy" 2>/dev/null ||
  { echo "spiral_speed: needs python3-h5py python3-mpi4py python3-scipy" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpi=(mpirun --allow-run-as-root -np 2)

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
names=(float64 float32 table float32+table numpy)
[[ -n ${BEFORE:-} ]] && names=(before "${names[@]}")
declare -A flags=([before]="" [float64]="" [float32]="--task.precision float32" [table]="--es.noise table"
                  [float32+table]="--task.precision float32 --es.noise table")
declare -A all
for r in $(seq 1 "$rounds"); do
  for n in "${names[@]}"; do
    if [[ $n == numpy ]]; then
      s=$("${mpi[@]}" $py bench/numpy_spiral_es.py --generations 14 |
            sed -n 's/.*: \([0-9.]*\) s per generation.*/\1/p')
    else
      bin=$esbio
      [[ $n == before ]] && bin=$BEFORE
      # shellcheck disable=SC2086
      "${mpi[@]}" "$bin" train --config data/paper/spiral.ini --es.generations "$generations" \
        ${flags[$n]} --out "$tmp/$n.h5" --force --quiet
      s=$($py -c "import sys, h5py, numpy as np
h = h5py.File(sys.argv[1])['history']
print(f'{np.median(h[\"wall_s\"][3:]):.4f} {h[\"validation_loss\"][-1]:.6g}')" "$tmp/$n.h5")
    fi
    all[$n]+="${s%% *} "
    echo "round $r  $n: $s"
  done
done
echo
echo "| | $(for r in $(seq 1 "$rounds"); do printf 'round %s | ' "$r"; done)median | against float64 | against numpy |"
echo "|---|$(for r in $(seq 1 "$rounds"); do printf -- '---|'; done)---|---|---|"
med() { $py -c "import sys, statistics; print(statistics.median(map(float, sys.argv[1:])))" $1; }
base=$(med "${all[float64]}")
ref=$(med "${all[numpy]}")
for n in "${names[@]}"; do
  m=$(med "${all[$n]}")
  printf '| %s | %s%.4f | %.2fx | %.2fx |\n' "$n" "$(for v in ${all[$n]}; do printf '%s | ' "$v"; done)" \
    "$m" "$($py -c "print($m / $base)")" "$($py -c "print($m / $ref)")"
done
