#!/usr/bin/env bash
# Which CVODES configuration evaluates the spiral task fastest, and at what accuracy?
# One rank, the paper's model (H = 1000), S = 100, 20 generations per setting; prints the mean
# seconds per generation, evaluations per second and solver steps per evaluation, from the run
# files' /history. Usage: bench/spiral_solvers.sh [build/release/esbio]
set -euo pipefail
esbio=${1:-build/release/esbio}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%-34s %10s %10s %12s %12s\n' setting "s/gen" "evals/s" "steps/eval" "final loss"
while IFS='|' read -r label args; do
  # shellcheck disable=SC2086
  "$esbio" train --out "$dir/b.h5" --force --quiet --task.hidden 1000 --es.population 100 \
    --es.generations 20 $args
  /usr/bin/python3 - "$dir/b.h5" "$label" <<'PY'
import sys, h5py, numpy as np
h = h5py.File(sys.argv[1])["history"]
s = h["wall_s"][2:].mean()
ev = h["evaluations"][2:].mean() + 1
print(f"{sys.argv[2]:<34s} {s:10.3f} {ev / s:10.0f} {h['solver_steps'][2:].sum() / (ev * len(h['wall_s'][2:])):12.1f} "
      f"{h['loss'][-1]:12.4e}")
PY
done <<'EOF2'
adams/fixedpoint rtol1e-6|--ode.method adams --ode.nonlinear fixedpoint --ode.rtol 1e-6 --ode.atol 1e-8
adams/newton rtol1e-6|--ode.method adams --ode.nonlinear newton --ode.rtol 1e-6 --ode.atol 1e-8
bdf/newton rtol1e-6|--ode.method bdf --ode.nonlinear newton --ode.rtol 1e-6 --ode.atol 1e-8
bdf/newton-fdjac rtol1e-6|--ode.method bdf --ode.nonlinear newton --ode.jacobian fd --ode.rtol 1e-6 --ode.atol 1e-8
adams/fixedpoint rtol1e-4|--ode.method adams --ode.nonlinear fixedpoint --ode.rtol 1e-4 --ode.atol 1e-4
bdf/newton rtol1e-4|--ode.method bdf --ode.nonlinear newton --ode.rtol 1e-4 --ode.atol 1e-4
EOF2
