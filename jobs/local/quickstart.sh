#!/usr/bin/env bash
# The main job on the embedded defaults: ES (song, centre baseline) trains the over-parameterised
# spiral neural ODE (H = 1000) on 2 MPI ranks for 300 generations, about a minute, then
# plots the run and what the learned field predicts against the true spiral. Output:
# runs/quickstart.h5, runs/quickstart-traces.h5 and runs/quickstart.png.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
mkdir -p runs
mpirun --oversubscribe -np 2 build/release/esbio train --out runs/quickstart.h5 --force
build/release/esbio simulate --params runs/quickstart.h5 --out runs/quickstart-traces.h5 --force --quiet
/usr/bin/python3 jobs/analysis/plot_run.py --traces runs/quickstart-traces.h5 runs/quickstart.h5 \
  runs/quickstart.png
build/release/esbio info runs/quickstart.h5 | head -n 6
