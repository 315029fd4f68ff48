#!/usr/bin/env bash
# A reduced task C sweep (paper Fig. 5B/C) on this machine: every array task of
# jobs/slurm/spiral_sweep.sbatch in turn, ES on 2 ranks, then the figure and table.
#   jobs/local/spiral_sweep.sh            # S in {20, 50, 100, 200, 500} x sigma in {1e-3, 3e-3,
#                                         # 1e-2, 3e-2, 1e-1}, 2 seeds, 400 generations: ~40 min
# Any SWEEP_* variable of the sbatch script overrides the reduced grid (SWEEP_DIR defaults to
# runs/sweep-local). Finished runs are skipped, so an interrupted sweep continues where it stopped.
# Output: the run files, runs/sweep-local.png and the table on stdout (runs/sweep-local.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
export SWEEP_S=${SWEEP_S:-"20 50 100 200 500"}
export SWEEP_SIGMA=${SWEEP_SIGMA:-"1e-3 3e-3 1e-2 3e-2 1e-1"}
export SWEEP_SEEDS=${SWEEP_SEEDS:-2}
export SWEEP_GENERATIONS=${SWEEP_GENERATIONS:-400}
export SWEEP_DIR=${SWEEP_DIR:-runs/sweep-local}
export ESBIO_LAUNCH=${ESBIO_LAUNCH:-"mpirun -np 2"}
sweep=jobs/slurm/spiral_sweep.sbatch
bash "$sweep" --grid
last=$(bash "$sweep" --grid | sed -n 's/.*array \([0-9]*\)-\([0-9]*\)$/\2/p')
for ((i = 0; i <= last; i++)); do
  SLURM_ARRAY_TASK_ID=$i bash "$sweep"
done
/usr/bin/python3 jobs/analysis/plot_sweep.py "$SWEEP_DIR" "$SWEEP_DIR.png" | tee "$SWEEP_DIR.md"
