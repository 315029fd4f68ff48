#!/usr/bin/env bash
# The measured parts of the scaling model and its validation points (bench/RESULTS.md, "A model
# of 1024 ranks"): writes bench/scaling/*.json, then runs bench/scaling_model.py on them.
#   bench/scaling.sh [build dir, default build/release]     (about 15 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/release}
out=$root/bench/scaling
mkdir -p "$out"
cd "$root"
bench=$build/bench/esbio_bench_dispatch
run() {  # ranks, output, arguments...
  local np=$1 file=$2
  shift 2
  mpirun --allow-run-as-root --oversubscribe -np "$np" "$bench" "$@" > "$out/$file"
  echo "wrote $out/$file"
}
B=data/paper/evidence.ini
C=data/paper/spiral.ini
# Communication: dispatch cost per item and broadcast time, at each validation rank count.
for p in 2 4 8 16; do run "$p" "comm-$p.json" comm; done
# Per-item costs at 1 rank (no contention): task B on both integrators, task C, whole and in parts.
run 1 costs-B-fixed-K1.json costs --config $B --generations 2
for k in 2 5 10; do
  run 1 "costs-B-fixed-K$k.json" costs --config $B --generations 2 --dist.items_per_member $k
done
run 1 costs-B-bdf-K1.json costs --config $B --generations 2 --task.integrator bdf \
  --task.precision float32
run 1 costs-C-K1.json costs --config $C --generations 10
run 1 costs-C-K4.json costs --config $C --generations 10 --dist.items_per_member 4
# The update at S = 100 and 1000: task B with evaluations that cost next to nothing (1 trial of
# 1 step a token), so what remains between two evaluate() calls is tell() and the bookkeeping.
cheap=(--task.trials 1 --task.validation_trials 1 --task.token_ms 0.1 --task.readout_ms 0.1)
for s in 100 1000; do
  run 1 "update-B-S$s.json" costs --config $B --generations 5 --es.population $s "${cheap[@]}"
  run 1 "update-B-S$s-lowrank.json" costs --config $B --generations 5 --es.population $s \
    --es.noise lowrank --es.rank 1 "${cheap[@]}"
  run 1 "update-B-S$s-table.json" costs --config $B --generations 5 --es.population $s \
    --es.noise table "${cheap[@]}"
done
# Validation: generations at 1, 2, 4, 8 and 16 ranks on this machine's cores.
for p in 1 2 4 8 16; do
  run "$p" "valid-B24-np$p.json" costs --config $B --generations 3 --es.population 24 \
    --dist.queue_depth 2
  run "$p" "valid-C-np$p.json" costs --config $C --generations 10 --dist.queue_depth 2
done
for p in 1 2 4 8 16; do
  for d in 2 3; do  # the queue depth's old default (2) and today's
    name=valid-B24K5$([ $d = 3 ] && echo depth3)-np$p.json
    run "$p" "$name" costs --config $B --generations 3 --es.population 24 \
      --dist.items_per_member 5 --dist.queue_depth $d
  done
done
# The paper's task B generation at 1 and 2 ranks: the 2-core efficiency.
for p in 1 2; do run "$p" "valid-Bpaper-np$p.json" costs --config $B --generations 4; done
# dist.update = sliced against replicated at 2 ranks: task B's update at S = 1000, and three
# alternating rounds of task C at the paper's settings.
for u in replicated sliced; do
  run 2 "update-B-S1000-np2-$u.json" costs --config $B --generations 7 --es.population 1000 \
    "${cheap[@]}" --dist.update $u
done
mkdir -p "$out/taskC-update"
for round in 1 2 3; do
  for u in replicated sliced; do
    run 2 "taskC-update/c-$u-$round.json" costs --config $C --generations 30 --dist.update $u
  done
done
for p in 2 4 16; do
  run "$p" "valid-B24dispatch-np$p.json" costs --config $B --generations 3 --es.population 24 \
    --dist.rank0 dispatch --dist.queue_depth 2
done
cp "$out/valid-B24-np1.json" "$out/valid-B24dispatch-np1.json"
/usr/bin/python3 bench/scaling_model.py --measured "$out" --plot docs/figures/scaling_model.png
