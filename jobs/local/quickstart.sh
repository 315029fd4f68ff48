#!/usr/bin/env bash
# The main job on the embedded defaults: ES (song, centre baseline) trains the over-parameterised
# spiral neural ODE (H = 1000) on 2 MPI ranks for 300 generations, about a minute, then
# plots the run. Output: runs/quickstart.h5 and runs/quickstart.png.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
mkdir -p runs
mpirun --oversubscribe -np 2 build/release/esbio train --out runs/quickstart.h5 --force
/usr/bin/python3 jobs/analysis/plot_run.py runs/quickstart.h5 runs/quickstart.png
build/release/esbio info runs/quickstart.h5 | head -n 6
