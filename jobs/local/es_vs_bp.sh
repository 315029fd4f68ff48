#!/usr/bin/env bash
# ES against BP from one configuration on this machine, both on 2 ranks (task C's BP splits its
# windows over them; the other tasks' BP computes the same gradient on each), then a
# comparison plot. Extra arguments go to both runs (e.g. --es.generations 200).
#   jobs/local/es_vs_bp.sh data/paper/turn_off.ini --es.generations 50
# Writes runs/NAME-es.h5, runs/NAME-bp.h5 and runs/NAME-es-vs-bp.png (NAME = the config's name).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
config=${1:?usage: jobs/local/es_vs_bp.sh CONFIG.ini [--KEY VALUE ...]}
shift
name=$(basename "$config" .ini)
mkdir -p runs
mpirun -np 2 build/release/esbio train --config "$config" --method es --out "runs/$name-es.h5" --force "$@"
mpirun -np 2 build/release/esbio train --config "$config" --method bp --out "runs/$name-bp.h5" --force "$@"
/usr/bin/python3 jobs/analysis/plot_compare.py "runs/$name-es-vs-bp.png" "runs/$name-es.h5" "runs/$name-bp.h5"
