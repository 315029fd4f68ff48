#!/usr/bin/env bash
# The task C sweep's array job (jobs/slurm/spiral_sweep.sbatch) run locally one array task at a
# time on a tiny grid, as a cluster would run it, and its analysis (jobs/analysis/plot_sweep.py).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SWEEP="$SOURCE_DIR/jobs/slurm/spiral_sweep.sbatch"
export SWEEP_S="4 6" SWEEP_SIGMA="0.01 0.1" SWEEP_SEEDS=1 SWEEP_GENERATIONS=6 \
  SWEEP_BP_GENERATIONS=8 SWEEP_CONFIG="$TINY" SWEEP_DIR="$work/sw" ESBIO="$ESBIO" \
  ESBIO_LAUNCH="$MPIEXEC --allow-run-as-root --oversubscribe -np 2"
task() { # the array task's output is shown when it fails
  SLURM_ARRAY_TASK_ID=$1 bash "$SWEEP" > "task$1.out" 2>&1 && return 0
  local rc=$?
  sed 's/^/    /' "task$1.out"
  return $rc
}
cfg() { # file key
  "$PYTHON" -c 'import sys, h5py
c = dict(l.split(" = ", 1) for l in h5py.File(sys.argv[1], "r").attrs["config"].splitlines())
print(c[sys.argv[2]])' "$1" "$2"
}

grid=$(bash "$SWEEP" --grid)
check "the grid: 4 ES runs, then the BP reference" grep -q "ES runs: 4 (array 0-3), BP references: array 4-4" <<< "$grid"
# Task 3: seed 0, the second S (6) and the second sigma (0.1), seed-major then S then sigma.
es="$work/sw/es-S6-sigma0.1-seed0.h5"
check "array task 3 runs ES on 2 ranks" task 3
check "its run file is finished" test "$(h5attr "$es" status)" = finished
check "with S = 6" test "$(cfg "$es" es.population)" = 6
check "and sigma = 0.1" test "$(cfg "$es" es.sigma)" = 0.1
check "for 6 generations" test "$(h5attr "$es" generations_completed)" = 6
check "on 2 ranks" test "$(h5attr "$es" ranks)" = 2
before=$(sha256sum "$es")
check "rerunning a finished task succeeds" task 3
check "and leaves its run file alone" test "$(sha256sum "$es")" = "$before"
check "array task 4 is the BP reference" task 4
check "BP's run file says method bp" test "$(h5attr "$work/sw/bp-seed0.h5" method)" = bp
check "array task 0 runs S = 4, sigma = 0.01" task 0
task 5
check "array task 5 is outside the grid: exit 2" test $? -eq 2
check "and says so" grep -q "outside 0-4" task5.out

# The analysis: the goal is BP's median validation MAE over its last tenth, read from its file.
check "plot_sweep.py makes the figure" sh -c "'$PYTHON' '$SOURCE_DIR/jobs/analysis/plot_sweep.py' '$work/sw' sweep.png > table.md"
check "the figure exists" test -s sweep.png
expect=$("$PYTHON" -c 'import sys, h5py, numpy as np
v = h5py.File(sys.argv[1], "r")["history/validation_loss"][()]
v = v[np.isfinite(v)]
print(f"{np.median(v[-max(1, len(v) // 10):]):.6g}")' "$work/sw/bp-seed0.h5")
check "the goal is BP's final validation MAE ($expect)" grep -q "median over 1 seed(s)): $expect " table.md
check "one table row per (S, sigma) run" test "$(grep -c '^| [46] | 0\.\(01\|1\) |' table.md)" = 2
finish
