#!/usr/bin/env bash
# Seconds per generation of an older build against this one, side by side and in alternating
# rounds so that the machine's noise falls on both alike: task B at the paper's size
# (data/paper/evidence.ini, the fixed-step scheme in float64 and float32, as
# bench/evidence_speed.sh runs it) and task C at the paper's settings (data/paper/spiral.ini, as
# bench/spiral_speed.sh runs it), 2 ranks each. Each figure is the median of /history/wall_s over
# the generations after the first; the table gives every round, the medians and their ratio.
#
#   bench/before_after.sh OLD_ESBIO [NEW_ESBIO=build/release/esbio] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/before_after.sh OLD_ESBIO [NEW_ESBIO] [ROUNDS]}
new=${2:-build/release/esbio}
rounds=${3:-3}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
cases=("B-float64|data/paper/evidence.ini|--es.generations 4 --task.validation_trials 50"
       "B-float32|data/paper/evidence.ini|--es.generations 4 --task.validation_trials 50 --task.precision float32"
       "C|data/paper/spiral.ini|--es.generations 40")
for r in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name config args <<<"$c"
    order="old new"
    (( r % 2 == 0 )) && order="new old"  # who runs first alternates with the rounds
    for which in $order; do
      bin=$old
      [[ $which == new ]] && bin=$new
      # shellcheck disable=SC2086
      mpirun --allow-run-as-root -np 2 "$bin" train --config "$config" $args \
        --out "$tmp/$name-$which-$r.h5" --quiet
    done
  done
done
$py - "$tmp" "$rounds" <<'PY'
import sys, glob, h5py, numpy as np
tmp, rounds = sys.argv[1], int(sys.argv[2])
def secs(path):
    w = h5py.File(path)["history/wall_s"][:]
    return float(np.median(w[1:]))
print(f"{'case':10s} {'round':>5s} {'old s':>9s} {'new s':>9s} {'new/old':>8s}")
for name in ["B-float64", "B-float32", "C"]:
    olds, news = [], []
    for r in range(1, rounds + 1):
        o, n = secs(f"{tmp}/{name}-old-{r}.h5"), secs(f"{tmp}/{name}-new-{r}.h5")
        olds.append(o); news.append(n)
        print(f"{name:10s} {r:5d} {o:9.4f} {n:9.4f} {n / o:8.3f}")
    mo, mn = np.median(olds), np.median(news)
    print(f"{name:10s} {'median':>5s} {mo:9.4f} {mn:9.4f} {mn / mo:8.3f}")
PY
