#!/usr/bin/env bash
# Task B at the paper's size read from files against task B built in (issue 27,
# bench/RESULTS.md): `esbio export` writes data/beyond/evidence_best_es.ini's network and the
# batches of its first GENERATIONS generations; both train on 2 ranks, alternating which runs
# first, and each figure is the median of /history/wall_s after the first generation. The two
# end with the same theta (checked here, bit for bit).
#   bench/files_vs_builtin.sh [BUILD_DIR=build/release] [ROUNDS=3] [GENERATIONS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
generations=${3:-5}
esbio=$build/esbio
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
config=data/beyond/evidence_best_es.ini
common=(--es.generations "$generations" --task.validation_trials 50 --run.validate_every 1000)
"$esbio" export --config "$config" "${common[@]}" --out "$tmp/net.h5" --data "$tmp/data.h5" \
  --generations "$generations" --quiet
files=(--task.name network --task.network "$tmp/net.h5" --task.data "$tmp/data.h5"
       --task.batches sequential --es.blocks input.W,recurrent.W
       --es.exact_blocks readout.W,readout.b)
for r in $(seq "$rounds"); do
  order="builtin files"
  (( r % 2 == 0 )) && order="files builtin"
  for which in $order; do
    extra=()
    [[ $which == files ]] && extra=("${files[@]}")
    mpirun --allow-run-as-root -np 2 "$esbio" train --config "$config" "${common[@]}" "${extra[@]}" \
      --out "$tmp/$which-$r.h5" --quiet
  done
done
$py - "$tmp" "$rounds" <<'PY'
import sys, h5py, numpy as np
tmp, rounds = sys.argv[1], int(sys.argv[2])
med = {}
for which in ("builtin", "files"):
    per = [np.median(h5py.File(f"{tmp}/{which}-{r}.h5")["history/wall_s"][1:]) for r in range(1, rounds + 1)]
    med[which] = np.median(per)
    print(f"{which:8s}: " + " ".join(f"{x:.3f}" for x in per) + f" s per generation, median {med[which]:.3f}")
print(f"files / built-in: {med['files'] / med['builtin']:.3f}")
same = all(np.array_equal(h5py.File(f"{tmp}/builtin-{r}.h5")["params/theta"][:],
                          h5py.File(f"{tmp}/files-{r}.h5")["params/theta"][:]) for r in range(1, rounds + 1))
print("theta bit-identical:", same)
PY
