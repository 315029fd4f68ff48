#!/usr/bin/env bash
# Task B's study (docs/results.md): which ES trains the recurrent Morris-Lecar network beyond the
# readout-only control, at paper size on this machine's 2 ranks, and BP as the paper ran it.
#   jobs/local/evidence_study.sh            # the final configurations, 3 seeds, 300 generations
#   jobs/local/evidence_study.sh screen     # the screen: one seed, 100 generations each
# Every configuration is data/beyond/evidence_best_es.ini (or the file named) plus the overrides on
# its line. Runs resume where they stopped (--resume), so the study survives interruption; rerun
# the same command. Writes runs/evidence_study/NAME.h5 and NAME.log, then the figure
# runs/evidence_study/fig3.png and the table of docs/results.md on the terminal. About 15 min per
# 300-generation ES run and 1 min per reservoir run on 2 idle cores (float32).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
mode=${1:-final}
out=runs/evidence_study
mkdir -p "$out"
best=data/beyond/evidence_best_es.ini
f32="--task.precision float32 --run.validate_every 10"

# name generations config [overrides...]: train, or continue a run that stopped.
run() {
  local name=$1 gens=$2 config=$3
  shift 3
  local file=$out/$name.h5 np=2
  [[ $config == *bp_paper* ]] && np=1  # BP: every rank computes it all
  if [ -f "$file" ]; then
    mpirun -np $np build/release/esbio train --out "$file" --resume --es.generations "$gens" \
      >>"$out/$name.log" 2>&1
  else
    mpirun -np $np build/release/esbio train --config "$config" --out "$file" \
      --es.generations "$gens" "$@" >"$out/$name.log" 2>&1
  fi
  echo "$name: $(tail -n 1 "$out/$name.log")"
}

if [ "$mode" = screen ]; then
  run res-s0 300 data/beyond/evidence_reservoir.ini $f32
  run paper-s0 100 data/paper/evidence.ini $f32
  run best-s0 100 $best
  run best-inp-s0 100 $best --es.blocks W_inp
  run best-lowrank-s0 100 $best --es.noise lowrank --es.rank 1
  run best-fresh-s0 100 $best --task.common_noise false
  run best-sig01-s0 100 $best --es.sigma 0.1
  run snes-inp-s0 100 $best --es.strategy snes --es.blocks W_inp
  run pgpe-s0 100 $best --es.strategy pgpe
  run sepcma-s0 100 $best --es.strategy sep_cmaes
  run fwd-s0 100 $best --es.blocks W_inp,W_rec,W_ro,b_ro --es.exact_blocks none
  run bp-paper-s0 300 data/beyond/evidence_bp_paper.ini
  run bp-f64-s0 300 data/beyond/evidence_bp_paper.ini --task.precision float64 --optim.nonfinite skip
  groups=("reservoir=$out/res-s0.h5" "paper ES=$out/paper-s0.h5" "best ES=$out/best-s0.h5"
    "BP as the paper=$out/bp-paper-s0.h5")
else
  for s in 0 1 2; do
    run res-s$s 300 data/beyond/evidence_reservoir.ini $f32 --run.seed $s
    run best-s$s 300 $best --run.seed $s
    run bp-paper-s$s 300 data/beyond/evidence_bp_paper.ini --run.seed $s
  done
  groups=("reservoir=$out/res-s0.h5,$out/res-s1.h5,$out/res-s2.h5"
    "best ES=$out/best-s0.h5,$out/best-s1.h5,$out/best-s2.h5"
    "BP as the paper=$out/bp-paper-s0.h5,$out/bp-paper-s1.h5,$out/bp-paper-s2.h5")
fi
build/release/esbio simulate --params "$out/best-s0.h5" --out "$out/best-s0-traces.h5" --force --quiet
/usr/bin/python3 jobs/analysis/plot_fig3.py "$out/fig3.png" --raster "$out/best-s0-traces.h5" "${groups[@]}"
