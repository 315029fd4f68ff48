#!/usr/bin/env bash
# jobs/slurm/multinode.sbatch run outside SLURM as a cluster would run it: an array task's seed
# and run file, resume of an unfinished run, a finished run left alone, and the requeue after a
# checkpointed stop (exit 3, here from a stand-in launcher: the signal path itself is
# tests/cli/signals.sh's).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
JOB="$SOURCE_DIR/jobs/slurm/multinode.sbatch"
cp "$TINY" tiny.ini
export ESBIO ESBIO_LAUNCH="$MPIEXEC --allow-run-as-root --oversubscribe -np 2"
cat > requeue.sh <<'SH'
#!/bin/bash
echo "requeue $*" >> requeued.txt
SH
chmod +x requeue.sh
export ESBIO_REQUEUE="$work/requeue.sh"

check "array task 2 trains on 2 ranks" env SLURM_ARRAY_TASK_ID=2 bash "$JOB" tiny.ini --es.generations 4 --quiet
out=runs/tiny-seed2.h5
check "into runs/NAME-seedS.h5, finished" test "$(h5attr "$out" status)" = finished
check "with the array index as its seed" test "$(h5attr "$out" seed)" = 2
check "on 2 ranks" test "$(h5attr "$out" ranks)" = 2
# A finished run is left alone, even when asked for more.
before=$(sha256sum "$out")
check "a finished run: exit 0" env SLURM_ARRAY_TASK_ID=2 bash "$JOB" tiny.ini --es.generations 9 --quiet
check "and its file untouched" test "$(sha256sum "$out")" = "$before"
# An unfinished run resumes: stop one with a stand-in launcher that checkpoints nothing but exits
# 3 as esbio does after SIGUSR1, then check the requeue of the array task.
printf '#!/bin/bash\nexit 3\n' > stopped.sh
chmod +x stopped.sh
check "a stop (exit 3) in array job 77, task 1, is a clean exit" env SLURM_ARRAY_JOB_ID=77 \
  SLURM_ARRAY_TASK_ID=1 SLURM_JOB_ID=80 ESBIO_LAUNCH="$work/stopped.sh" bash "$JOB" tiny.ini
check "that requeues array task 77_1" grep -qx "requeue 77_1" requeued.txt
check "a stop after the requeue limit does not requeue again" env SLURM_JOB_ID=81 \
  SLURM_RESTART_COUNT=50 ESBIO_LAUNCH="$work/stopped.sh" bash "$JOB" tiny.ini
check "(still one requeue)" test "$(wc -l < requeued.txt)" = 1
# A run file from an interrupted run (here: 4 of 20 generations) is resumed, not restarted.
"$ESBIO" train --config tiny.ini --run.seed 3 --out runs/tiny-seed3.h5 --es.generations 4 --quiet
"$PYTHON" -c 'import h5py; f = h5py.File("runs/tiny-seed3.h5", "r+"); f.attrs["status"] = "stopped"'
check "an unfinished run resumes" env SLURM_ARRAY_TASK_ID=3 bash "$JOB" tiny.ini --es.generations 6 --quiet
check "to the generations asked" test "$(h5attr runs/tiny-seed3.h5 generations_completed)" = 6
finish
