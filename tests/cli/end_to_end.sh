#!/usr/bin/env bash
# The job-script path: mpirun at 1, 2 and 3 ranks gives bit-identical parameters; a run stopped
# at generation 10 and resumed to 20 equals an uninterrupted 20; bytes per generation do not
# grow with the parameter count; info and the plot script read the result.
source "$(dirname "$0")/lib.sh"

for n in 1 2 3; do
  mpi "$n" "$ESBIO" train --config "$TINY" --out np$n.h5 --quiet || fail "train at -np $n"
done
check "-np 2 theta == -np 1 theta (bit-identical)" same_dataset np1.h5 np2.h5 /params/theta
check "-np 3 theta == -np 1 theta (bit-identical)" same_dataset np1.h5 np3.h5 /params/theta
check "-np 3 loss history == -np 1 (bit-identical)" same_dataset np1.h5 np3.h5 /history/loss
check "run file records 3 ranks" test "$(h5attr np3.h5 ranks)" = 3
check "run file is finished" test "$(h5attr np3.h5 status)" = finished

mpi 2 "$ESBIO" train --config "$TINY" --out half.h5 --quiet --es.generations 10 || fail "first leg"
check "first leg stops at 10" test "$(h5attr half.h5 generations_completed)" = 10
mpi 2 "$ESBIO" train --out half.h5 --resume --quiet --es.generations 20 || fail "resume"
check "resumed 10->20 theta == uninterrupted 20" same_dataset np1.h5 half.h5 /params/theta
check "resumed optimiser state == uninterrupted" same_dataset np1.h5 half.h5 /checkpoint/optimizer_v
check "resumed loss history == uninterrupted" same_dataset np1.h5 half.h5 /history/loss

# A run file written before /history/validation_accuracy existed reads it as NaN and resumes.
mpi 2 "$ESBIO" train --config "$TINY" --out old.h5 --quiet --es.generations 10 || fail "old-format leg"
"$PYTHON" -c 'import h5py; del h5py.File("old.h5", "r+")["history/validation_accuracy"]' || fail "h5py"
mpi 2 "$ESBIO" train --out old.h5 --resume --quiet --es.generations 20 || fail "resume an older run file"
check "older run file resumed: theta == uninterrupted" same_dataset np1.h5 old.h5 /params/theta
check "older run file: its rows read as NaN, new rows written" "$PYTHON" -c '
import h5py, numpy as np, sys
a = h5py.File("old.h5")["history/validation_accuracy"][:]
sys.exit(int(not (len(a) == 20 and np.isnan(a).all())))'
check "run.validate_every leaves NaN between validations, theta unchanged" bash -c \
  "'$ESBIO' train --config '$TINY' --out every5.h5 --quiet --run.validate_every 5 && '$PYTHON' -c '
import h5py, numpy as np, sys
f, g = h5py.File(\"every5.h5\"), h5py.File(\"np1.h5\")
v = f[\"history/validation_loss\"][:]
ok = np.array_equal(np.flatnonzero(~np.isnan(v)), [0, 5, 10, 15, 19])
ok = ok and np.array_equal(f[\"params/theta\"][:], g[\"params/theta\"][:])
sys.exit(int(not ok))'"
# Rank 0 only dispatches here, so every item crosses the network and the counts are exact (when
# it computes, how many items it keeps depends on timing; tests/mpi checks that count too).
mpi 3 "$ESBIO" train --config "$TINY" --out h50.h5 --quiet --es.generations 6 --task.hidden 50 --dist.rank0 dispatch || fail "H=50"
mpi 3 "$ESBIO" train --config "$TINY" --out h1000.h5 --quiet --es.generations 6 --task.hidden 1000 --dist.rank0 dispatch || fail "H=1000"
check "bytes per generation equal for H=50 and H=1000" same_dataset h50.h5 h1000.h5 /history/bytes_communicated
check "H=1000 really has 20x the parameters" test "$("$PYTHON" -c 'import h5py; print(h5py.File("h1000.h5")["params/theta"].size)')" = 4000

# dist.items_per_member = auto: chosen from the rank count (3 ranks, 2 members: ceil(12 / 2) = 6,
# the smallest divisor of the 20 windows from there is 10), recorded as the number, kept when the
# run resumes on another rank count, and the same bits as that number given outright.
mpi 3 "$ESBIO" train --config "$TINY" --out auto.h5 --quiet --es.generations 4 --es.population 2 \
  --dist.items_per_member auto || fail "items_per_member auto"
check "auto at 3 ranks records dist.items_per_member = 10" bash -c \
  "'$ESBIO' info auto.h5 | grep -q 'dist.items_per_member = 10'"
mpi 2 "$ESBIO" train --out auto.h5 --resume --quiet --es.generations 8 || fail "resume auto at 2 ranks"
"$ESBIO" train --config "$TINY" --out k10.h5 --quiet --es.generations 8 --es.population 2 \
  --dist.items_per_member 10 || fail "K = 10 at 1 rank"
check "auto resumed at 2 ranks == K = 10 uninterrupted at 1 rank" same_dataset auto.h5 k10.h5 /params/theta

mpi 2 "$ESBIO" train --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out turn_off.h5 --quiet || fail "task A"
check "task A: ES silences the neuron (last loss < 0.01)" "$PYTHON" -c \
  'import h5py, sys; l = h5py.File("turn_off.h5")["history/loss"][:]; sys.exit(not (l[0] > 0.1 and l[-1] < 0.01))'
for ini in "$SOURCE_DIR"/data/paper/*.ini "$SOURCE_DIR"/data/beyond/*.ini; do
  check "$(basename "$ini") is a valid configuration" \
    "$ESBIO" train --config "$ini" --out "cfg-$(basename "$ini").h5" --es.generations 1 --es.population 4 --quiet
done
# Scan: the points spread over the ranks, the answer does not depend on how many.
scan_args=(--config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --from 0.2 --to 0.6 --points 21 --sigma 0.02 --quiet)
mpi 1 "$ESBIO" scan "${scan_args[@]}" --out scan1.h5 || fail "scan -np 1"
mpi 3 "$ESBIO" scan "${scan_args[@]}" --out scan3.h5 || fail "scan -np 3"
check "scan -np 3 == -np 1 (bit-identical)" same_dataset scan1.h5 scan3.h5 /scan/loss
check "scan: silent at W = 0.2, firing at W = 0.6, smoothed between" "$PYTHON" -c '
import h5py, sys
s = h5py.File("scan3.h5")["scan"]
l, m = s["loss"][:], s["smoothed_loss"][:]
sys.exit(not (l[0] < 1e-6 and l[-1] > 0.1 and min(l) <= m.min() and m.max() <= max(l)))'
check "scan plot" "$PYTHON" "$SOURCE_DIR/jobs/analysis/plot_scan.py" scan3.h5 scan3.png
# Simulate: traces of a trained run and of a configuration's initial parameters.
check "simulate a trained spiral" "$ESBIO" simulate --params np1.h5 --out sim_spiral.h5 --quiet
check "simulate the task A neuron" "$ESBIO" simulate --config "$SOURCE_DIR/data/paper/turn_off.ini" --out sim_a.h5 --quiet
check "simulate task B" "$ESBIO" simulate --config "$SOURCE_DIR/data/ci/evidence_small.ini" --out sim_b.h5 --quiet
# Provenance: an independent numpy replay of the fixed-step scheme from the traces file alone
# (configuration, theta, embeddings, tokens, initial states) reproduces V, features, logits and
# every spike; a traces file whose initial state was altered by 1e-3 mV must fail it.
REPLAY="$SOURCE_DIR/jobs/analysis/replay_evidence.py"
check "the numpy Philox matches the Random123 known answers" "$PYTHON" "$SOURCE_DIR/jobs/analysis/esbio_random.py"
check "task B traces replayed outside esbio (float64)" "$PYTHON" "$REPLAY" sim_b.h5
"$ESBIO" simulate --config "$SOURCE_DIR/data/ci/evidence_small.ini" --task.precision float32 \
  --out sim_b32.h5 --quiet
check "task B traces replayed outside esbio (float32)" "$PYTHON" "$REPLAY" sim_b32.h5
cp sim_b.h5 sim_b_altered.h5
"$PYTHON" -c 'import h5py; f = h5py.File("sim_b_altered.h5", "r+"); f["traces/V0"][0, 0] += 1e-3'
check "a replay notices an initial voltage off by 1e-3 mV" bash -c "! '$PYTHON' '$REPLAY' sim_b_altered.h5 >/dev/null"
check "simulate the stiff kinetic-synapse network" "$ESBIO" simulate --config "$SOURCE_DIR/data/ci/evidence_small.ini" \
  --task.integrator bdf --ode.linear_solver gmres --network.synapse kinetic --out sim_k.h5 --quiet
check "kinetic traces report a stiffness ratio at every token boundary" "$PYTHON" -c '
import h5py, numpy as np, sys
r = h5py.File("sim_k.h5")["traces"]["stiffness_ratio"][:]
sys.exit(not (r.shape == (51,) and np.all(np.isfinite(r)) and np.median(r) > 100))'
check "traces hold what they claim" "$PYTHON" -c '
import h5py, numpy as np, sys
s, a, b = (h5py.File(f)["traces"] for f in ("sim_spiral.h5", "sim_a.h5", "sim_b.h5"))
ok = s["prediction"].shape == (1000, 2) and np.allclose(s["truth"][0], [2, 0])
ok &= a["V"][:].max() > 20 and abs(a["T"][:].mean() - 0.22) < 0.01   # fires at W = 0.5
ok &= b["V"].shape == (60, 51, 16) and b["logits"].shape == (60, 3)   # the validation set
sys.exit(not ok)'
# The backpropagation baseline: every rank computes the same gradient, so any rank count gives
# the same bits; esbio gradient spreads the ES members over the ranks.
mpi 1 "$ESBIO" train --config "$TINY" --method bp --optim.lr 0.01 --out bp1.h5 --quiet || fail "bp -np 1"
mpi 2 "$ESBIO" train --config "$TINY" --method bp --optim.lr 0.01 --out bp2.h5 --quiet || fail "bp -np 2"
check "bp -np 2 theta == -np 1 (bit-identical)" same_dataset bp1.h5 bp2.h5 /params/theta
check "bp run: method recorded, loss falls" "$PYTHON" -c '
import h5py, sys
f = h5py.File("bp2.h5"); l = f["history/loss"][:]
sys.exit(not (f.attrs["method"] == "bp" and l[-3:].mean() < 0.5 * l[:3].mean()))'
mpi 1 "$ESBIO" train --config "$TINY" --method bp --optim.lr 0.01 --es.generations 10 --out bp_half.h5 --quiet || fail "bp first leg"
mpi 2 "$ESBIO" train --out bp_half.h5 --resume --es.generations 20 --quiet || fail "bp resume"
check "bp resumed 10->20 theta == uninterrupted 20" same_dataset bp1.h5 bp_half.h5 /params/theta
grad_args=(--config "$TINY" --sigmas 1e-4,1e-2 --populations 10,400 --repeats 2 --quiet)
mpi 1 "$ESBIO" gradient "${grad_args[@]}" --out grad1.h5 || fail "gradient -np 1"
mpi 3 "$ESBIO" gradient "${grad_args[@]}" --out grad3.h5 || fail "gradient -np 3"
check "gradient -np 3 == -np 1 (bit-identical)" same_dataset grad1.h5 grad3.h5 /gradient/cosine
check "gradient: ES aligns with BP as S grows" "$PYTHON" -c '
import h5py, numpy as np, sys
g = h5py.File("grad3.h5")["gradient"]
S, c = g["population"][:], g["cosine"][:]
sys.exit(not (c[S == 400].mean() > c[S == 10].mean() + 0.2 and c[S == 400].min() > 0.5))'
check "gradient norm against the horizon (task A)" "$ESBIO" gradient --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" \
  --sigmas 0.2 --populations 10 --repeats 1 --horizons 200,500,1000 --out grad_a.h5 --quiet
check "gradient plots" bash -c "'$PYTHON' '$SOURCE_DIR/jobs/analysis/plot_gradient.py' grad3.h5 grad3.png && '$PYTHON' '$SOURCE_DIR/jobs/analysis/plot_gradient.py' grad_a.h5 grad_a.png"
check "info summarises the run" bash -c "'$ESBIO' info np1.h5 | grep -q 'status        finished after 20 generations'"
check "plot script writes a PNG" "$PYTHON" "$SOURCE_DIR/jobs/analysis/plot_run.py" np1.h5 np1.png
check "plot script draws the learned spiral from traces" "$PYTHON" "$SOURCE_DIR/jobs/analysis/plot_run.py" --traces sim_spiral.h5 np1.h5 np1_learned.png
for s in 0 1; do
  "$ESBIO" train --config "$SOURCE_DIR/data/ci/evidence_small.ini" --es.generations 12 \
    --run.validate_every 4 --run.seed $s --out fig3_s$s.h5 --quiet
done
check "plot_fig3 draws task B runs over seeds with a raster, and their table" bash -c "
  '$PYTHON' '$SOURCE_DIR/jobs/analysis/plot_fig3.py' fig3.png --raster sim_b.h5 \
    'small=fig3_s0.h5,fig3_s1.h5' 'seed 0=fig3_s0.h5' >fig3.txt && grep -Eq '^small +2 +- +- +-' fig3.txt &&
  head -c 8 fig3.png | od -An -c | grep -q 'P   N   G'"
check "the PNG is a PNG" bash -c "head -c 8 np1.png | od -An -c | grep -q 'P   N   G'"
# A strategy with state of its own (CMA-ES: paths, covariance) checkpoints it and resumes
# bit-identically through the run file, at another rank count.
cma=(--task.name rosenbrock --es.strategy cmaes --es.population 0 --es.sigma 0.5 --quiet)
"$ESBIO" train "${cma[@]}" --es.generations 12 --out cma_half.h5 || fail "cmaes first leg"
mpi 2 "$ESBIO" train --out cma_half.h5 --resume --es.generations 24 --quiet || fail "cmaes resume"
mpi 3 "$ESBIO" train "${cma[@]}" --es.generations 24 --out cma_full.h5 || fail "cmaes straight"
check "cmaes: its covariance is in the checkpoint" "$PYTHON" -c \
  'import h5py, sys; sys.exit(int(h5py.File("cma_full.h5")["checkpoint/strategy/C"].size != 100))'
check "cmaes: resumed theta == uninterrupted (1 then 2 ranks vs 3)" same_dataset cma_half.h5 cma_full.h5 /params/theta
check "cmaes: resumed covariance == uninterrupted" same_dataset cma_half.h5 cma_full.h5 /checkpoint/strategy/C

# A killed write leaves FILE.tmp behind; the next run clears it once its input is accepted.
printf 'half a checkpoint' > stale.h5.tmp
"$ESBIO" train --config "$TINY" --out stale.h5 --quiet --es.generations 2 || fail "run over a stale .tmp"
check "a stale FILE.tmp is removed" test ! -e stale.h5.tmp
check "info --status answers for job scripts" test "$("$ESBIO" info --status stale.h5)" = finished
# The SLURM array of task B's study, one array task run here: srun is a stand-in that drops its
# options and runs the command, and the job sees the repository through links.
mkdir -p slurm/build/release slurm/bin && ln -s "$SOURCE_DIR/data" slurm/data && ln -s "$ESBIO" slurm/build/release/esbio
printf '#!/bin/sh\nwhile [ "${1#--}" != "$1" ]; do shift; done\nexec "$@"\n' >slurm/bin/srun
chmod +x slurm/bin/srun
check "one task of the study's SLURM array trains and resumes (reservoir, seed 1)" bash -c "
  cd slurm && export PATH=\$PWD/bin:\$PATH SLURM_ARRAY_TASK_ID=1 &&
  GENERATIONS=2 bash '$SOURCE_DIR/jobs/slurm/evidence_study.sbatch' >/dev/null &&
  GENERATIONS=3 bash '$SOURCE_DIR/jobs/slurm/evidence_study.sbatch' >/dev/null &&
  test \"\$('$ESBIO' info --status runs/evidence_study/res-s1.h5)\" = finished &&
  '$PYTHON' -c 'import h5py, sys; f = h5py.File(sys.argv[1]); sys.exit(not (len(f[\"history/loss\"]) == 3 and \"run.seed = 1\" in f.attrs[\"config\"]))' runs/evidence_study/res-s1.h5"
check "the study's array refuses an index past its list" bash -c "
  cd slurm && PATH=\$PWD/bin:\$PATH SLURM_ARRAY_TASK_ID=9 bash '$SOURCE_DIR/jobs/slurm/evidence_study.sbatch' 2>/dev/null; test \$? -eq 2"
finish
