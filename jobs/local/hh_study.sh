#!/usr/bin/env bash
# Hodgkin-Huxley on this machine (docs/results.md, "Hodgkin-Huxley"): task A's turn-off and
# task B's network of HH neurons on the fixed-step path and on CVODE BDF, each trained by ES and
# by BP on 2 ranks; the ES-vs-BP gradient cosines at the initial parameters; the stiffness ratio
# of the HH and the Morris-Lecar networks' Jacobians along a validation trial; then the table
# and the figure. Runs checkpoint: rerun the script after an interruption and each run resumes.
#   jobs/local/hh_study.sh            (about an hour on 2 cores)
# Writes runs/hh/*.h5, runs/hh/hh.png and prints the table docs/results.md quotes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
mkdir -p runs/hh
esbio=build/release/esbio

# Train CONFIG by METHOD into runs/hh/NAME-METHOD.h5, resuming a run an interruption left.
train() {
  local config=$1 method=$2 name out
  shift 2
  name=$(basename "$config" .ini)
  out=runs/hh/$name-$method.h5
  if [[ -f $out ]] && $esbio info "$out" | grep -q "status *finished"; then return; fi
  if [[ -f $out ]]; then
    mpirun -np 2 $esbio train --out "$out" --resume "$@"
  else
    mpirun -np 2 $esbio train --config "$config" --method "$method" --out "$out" "$@"
  fi
}

for config in data/beyond/turn_off_hh.ini data/beyond/evidence_hh.ini data/beyond/evidence_hh_bdf.ini; do
  train "$config" es
  train "$config" bp
done

# ES estimates against the BP gradient at the initial parameters (task A: also |g| vs horizon).
[[ -f runs/hh/turn_off_hh-grad.h5 ]] ||
  mpirun -np 2 $esbio gradient --config data/beyond/turn_off_hh.ini --sigmas 1e-3,1e-2,1e-1 \
    --populations 10,100 --horizons 100,200,500,1000 --out runs/hh/turn_off_hh-grad.h5
[[ -f runs/hh/evidence_hh-grad.h5 ]] ||
  mpirun -np 2 $esbio gradient --config data/beyond/evidence_hh.ini --sigmas 1e-3,1e-2,1e-1 \
    --populations 10,100 --repeats 2 --out runs/hh/evidence_hh-grad.h5

# Task A's landscape along W: the loss, its smoothed version and both gradients.
[[ -f runs/hh/scan.h5 ]] ||
  mpirun -np 2 $esbio scan --config data/beyond/turn_off_hh.ini --from 0 --to 0.6 --points 300 \
    --sigma 0.01 --out runs/hh/scan.h5
/usr/bin/python3 jobs/analysis/plot_scan.py runs/hh/scan.h5

# The Jacobian's stiffness ratio along the validation trials, HH against Morris-Lecar, both on
# BDF at the same size (simulate records it on the continuous model).
[[ -f runs/hh/stiff-hh.h5 ]] ||
  $esbio simulate --config data/beyond/evidence_hh_bdf.ini --task.validation_trials 20 \
    --out runs/hh/stiff-hh.h5 --quiet
[[ -f runs/hh/stiff-ml.h5 ]] ||
  $esbio simulate --config data/paper/evidence.ini --task.integrator bdf --task.neurons 32 \
    --task.validation_trials 20 --out runs/hh/stiff-ml.h5 --quiet

/usr/bin/python3 jobs/analysis/hh_summary.py runs/hh runs/hh/hh.png
