#!/usr/bin/env bash
# Bad input: exit code 2, exactly one line from esbio naming the problem, and nothing created or
# changed: every entry of the working directory (its type, size, time and, for files, the sha256
# of its contents) and the device /dev/null are compared before and after.
source "$(dirname "$0")/lib.sh"

"$ESBIO" train --config "$TINY" --out good.h5 --quiet --es.generations 2 || fail "setup run"
printf 'this line is not INI\n' > malformed.ini
printf '[es]\nfrobnicate = 3\n' > unknown_key.ini
printf '[es]\nsigma = 0.1\0junk\n' > nul_value.ini
printf '[es]\nsig\0ma = 0.1\n' > nul_key.ini
printf 'some notes, not an esbio file\n' > notes.txt
: > empty.h5
mkdir a_directory
mkfifo a_fifo
ln -s good.h5 link.h5
mkdir blocked.h5.tmp   # where blocked.h5 would be written first
"$PYTHON" -c 'import h5py; h5py.File("foreign.h5", "w")["x"] = [1, 2, 3]'
# Damaged run files, as a full disk, a killed copy or a hand edit leave them.
head -c "$(($(stat -c %s good.h5) / 2))" good.h5 > truncated.h5
cp good.h5 no_moments.h5 && "$PYTHON" -c 'import h5py; del h5py.File("no_moments.h5", "r+")["checkpoint/optimizer_m"]'
cp good.h5 no_config.h5 && "$PYTHON" -c 'import h5py; del h5py.File("no_config.h5", "r+").attrs["config"]'
cp good.h5 no_checkpoint.h5 && "$PYTHON" -c 'import h5py; del h5py.File("no_checkpoint.h5", "r+")["checkpoint"]'

expect_bad "unknown option" "--bogus" train --config "$TINY" --out new.h5 --bogus 1
expect_bad "sigma zero" "es.sigma" train --config "$TINY" --out new.h5 --es.sigma 0
expect_bad "sigma negative" "es.sigma" train --config "$TINY" --out new.h5 --es.sigma -0.1
expect_bad "sigma not a number" "es.sigma" train --config "$TINY" --out new.h5 --es.sigma abc
expect_bad "population one" "es.population" train --config "$TINY" --out new.h5 --es.population 1
expect_bad "odd openai population" "es.population" train --config "$TINY" --out new.h5 --es.strategy openai --es.population 25
expect_bad "missing config" "nope.ini" train --config nope.ini --out new.h5
expect_bad "malformed config" "malformed.ini" train --config malformed.ini --out new.h5
expect_bad "unknown config key" "frobnicate" train --config unknown_key.ini --out new.h5
expect_bad "unknown task" "unknown task 'nope'" train --config "$TINY" --out new.h5 --task.name nope
expect_bad "invalid task size" "task.batch" train --config "$TINY" --out new.h5 --task.batch 5000
expect_bad "no output" "--out" train --config "$TINY"
expect_bad "output directory missing" "directory" train --config "$TINY" --out no/such/dir.h5
expect_bad "existing output without --force" "--force" train --config "$TINY" --out good.h5
expect_bad "existing foreign output" "--force" train --config "$TINY" --out foreign.h5
expect_bad "resume a foreign file" "not an esbio run file" train --out foreign.h5 --resume
expect_bad "resume a missing file" "does not exist" train --out missing.h5 --resume
expect_bad "resume with another sigma" "es.sigma" train --out good.h5 --resume --es.sigma 0.5 --es.generations 4
expect_bad "resume a finished run without more generations" "raise --es.generations" train --out good.h5 --resume
expect_bad "info on a foreign file" "not an esbio run file" info foreign.h5
expect_bad "info on a text file" "not an HDF5 file" info malformed.ini
expect_bad "stray positional argument" "stray" train --config "$TINY" --out new.h5 stray
expect_bad "scan with one point" "--points" scan --config "$TINY" --out scan.h5 --points 1
expect_bad "scan of a missing block" "no parameter block 'Q'" scan --config "$TINY" --out scan.h5 --param Q
expect_bad "scan index outside the block" "--index" scan --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out scan.h5 --index 3
expect_bad "scan over an existing file" "--force" scan --config "$TINY" --out good.h5
expect_bad "es.blocks names no block" "es.blocks names 'W9'" train --config "$TINY" --out new.h5 --es.blocks W1,W9
expect_bad "simulate without --out" "--out" simulate --config "$TINY"
expect_bad "simulate a foreign file" "not an esbio run file" simulate --params foreign.h5 --out sim.h5
expect_bad "simulate over an existing file" "--force" simulate --config "$TINY" --out good.h5
expect_bad "simulate with a bad override" "task.hidden" simulate --config "$TINY" --out sim.h5 --task.hidden 0
expect_bad "kinetic synapse with the fixed-step scheme" "network.synapse" train --config "$SOURCE_DIR/data/ci/evidence_small.ini" --out new.h5 --network.synapse kinetic
expect_bad "an unknown precision" "task.precision = 'half' is not one of: float64, float32" train --config "$SOURCE_DIR/data/ci/evidence_small.ini" --out new.h5 --task.precision half
expect_bad "nonlinear_conv_coef zero" "ode.nonlinear_conv_coef" train --config "$SOURCE_DIR/data/ci/evidence_small.ini" --out new.h5 --ode.nonlinear_conv_coef 0
expect_bad "validation every 0 generations" "run.validate_every = '0' must be at least 1" train --config "$TINY" --out new.h5 --run.validate_every 0
expect_bad "a validation set beyond the limit" "task.validation_trials = '100000' must be at most 65536" train --config "$SOURCE_DIR/data/ci/evidence_small.ini" --out new.h5 --task.validation_trials 100000
# Every task's numeric and choice options through the one checked reader (core/values.hpp):
# a value of the wrong type names its key, for each task on its own configuration.
EVIDENCE="$SOURCE_DIR/data/ci/evidence_small.ini"
for key in network.alpha network.beta network.e_syn network.iapp network.input_bias \
  network.input_gain network.kp network.syn_gain network.vt neuron.phi task.dt task.readout_ms \
  task.token_ms task.trial_v0_mean task.trial_v0_sd task.trial_w0 ode.rtol ode.adjoint_atol \
  ode.max_seconds; do
  expect_bad "$key not a number" "$key = 'x' is not a finite number" train --config "$EVIDENCE" --out new.h5 --$key x
done
for key in ode.jacobian ode.linear_solver ode.method ode.nonlinear task.token_boundaries es.baseline; do
  expect_bad "$key not a choice" "$key = 'bogus' is not one of" train --config "$EVIDENCE" --out new.h5 --$key bogus
done
expect_bad "task.common_noise not a flag" "task.common_noise = 'bogus' is not true or false" train --config "$EVIDENCE" --out new.h5 --task.common_noise bogus
expect_bad "negative Krylov dimension" "ode.krylov_dim = '-1' is not a non-negative integer" train --config "$EVIDENCE" --out new.h5 --ode.krylov_dim -1
for key in task.t_end task.truth_atol; do
  expect_bad "spiral $key not a number" "$key = 'x' is not a finite number" train --config "$TINY" --out new.h5 --$key x
done
expect_bad "the block linear solver on a model without blocks" "ode.linear_solver = block needs a model with a block preconditioner" train --config "$TINY" --out new.h5 --ode.linear_solver block
expect_bad "spiral window not a count" "task.window = 'x' is not a non-negative integer" train --config "$TINY" --out new.h5 --task.window x
expect_bad "negative spiral points" "task.points = '-3' is not a non-negative integer" train --config "$TINY" --out new.h5 --task.points -3
expect_bad "spiral windows not a choice" "task.windows = 'both' is not one of: separate, batched" train --config "$TINY" --out new.h5 --task.windows both
expect_bad "more items per member than windows" "dist.items_per_member = 21: task spiral splits a member's batch into at most 20 parts" train --config "$TINY" --out new.h5 --dist.items_per_member 21
expect_bad "more gradient parts than windows" "dist.gradient_parts = 21: task spiral splits its batch into at most 20 parts" train --config "$TINY" --out new.h5 --method bp --dist.gradient_parts 21
expect_bad "gradient parts zero" "dist.gradient_parts = '0'" train --config "$TINY" --out new.h5 --dist.gradient_parts 0
expect_bad "rank 0 role not a choice" "dist.rank0 = 'idle' is not one of: compute, dispatch" train --config "$TINY" --out new.h5 --dist.rank0 idle
expect_bad "update not a choice" "dist.update = 'shared' is not one of: replicated, sliced" train --config "$TINY" --out new.h5 --dist.update shared
expect_bad "queue depth zero" "dist.queue_depth = '0'" train --config "$TINY" --out new.h5 --dist.queue_depth 0
expect_bad "queue depth too deep" "dist.queue_depth = '65'" train --config "$TINY" --out new.h5 --dist.queue_depth 65
for key in task.horizon task.el_sd task.spike_gain task.spike_threshold task.v0_mean task.v0_sd \
  task.w0_mean task.w0_sd task.input_scale task.w_init; do
  expect_bad "turn_off $key not a number" "$key = 'x' is not a finite number" train --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out new.h5 --$key x
done
expect_bad "turn_off heterogeneous not a flag" "task.heterogeneous = 'maybe' is not true or false" train --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out new.h5 --task.heterogeneous maybe
expect_bad "negative turn_off outputs" "task.outputs = '-1' is not a non-negative integer" train --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out new.h5 --task.outputs -1
ROBERTSON="$SOURCE_DIR/data/ci/robertson_small.ini"
expect_bad "negative robertson depth" "task.depth = '-3' is not a non-negative integer" train --config "$ROBERTSON" --out new.h5 --task.depth -3
expect_bad "robertson activation not a choice" "task.activation = 'bogus' is not one of: gelu, tanh" train --config "$ROBERTSON" --out new.h5 --task.activation bogus
expect_bad "negative robertson observations" "task.observations = '-2' is not a non-negative integer" train --config "$ROBERTSON" --out new.h5 --task.observations -2
expect_bad "robertson truth_rtol not a number" "task.truth_rtol = 'x' is not a finite number" train --config "$ROBERTSON" --out new.h5 --task.truth_rtol x
expect_bad "robertson species tolerances not numbers" "task.truth_atol_species = '1,x,3' is not a comma-separated list" train --config "$ROBERTSON" --out new.h5 --task.truth_atol_species 1,x,3
expect_bad "unknown command" "unknown command" frobnicate
expect_bad "gradient without --out" "--out" gradient --config "$TINY"
expect_bad "gradient with a bad sigma list" "--sigmas" gradient --config "$TINY" --out g.h5 --sigmas 0.1,x
expect_bad "gradient with a fractional population" "--populations" gradient --config "$TINY" --out g.h5 --populations 10.5
expect_bad "gradient horizons on the spiral" "--horizons" gradient --config "$TINY" --out g.h5 --horizons 100
expect_bad "per-component atol of the wrong length" "ode.atol_per_component needs 2 values" train --config "$TINY" --out new.h5 --ode.atol_per_component 1e-8
expect_bad "unknown method" "method" train --config "$TINY" --out new.h5 --method adjoint

TURN_OFF="$SOURCE_DIR/data/ci/turn_off_fast.ini"

# Outputs: --force replaces only esbio files and empty files; nothing else is touched.
expect_bad "--force over a device" "'/dev/null' is a device" train --config "$TINY" --out /dev/null --force
expect_bad "--force over a directory" "is a directory" train --config "$TINY" --out a_directory --force
expect_bad "--force over a FIFO" "is a FIFO" train --config "$TINY" --out a_fifo --force
expect_bad "--force over a symbolic link" "symbolic link" train --config "$TINY" --out link.h5 --force
expect_bad "--force over somebody's text file" "not an esbio file" train --config "$TINY" --out notes.txt --force
expect_bad "--force over a foreign HDF5 file" "not an esbio file" train --config "$TINY" --out foreign.h5 --force
expect_bad "output in /proc" "cannot create files" train --config "$TINY" --out /proc/x.h5
expect_bad "output whose .tmp is a directory" "blocked.h5.tmp" train --config "$TINY" --out blocked.h5
expect_bad "empty output name" "--out" train --config "$TINY" --out ""
expect_bad "scan over a device" "is a device" scan --config "$TINY" --out /dev/null --force
expect_bad "simulate over a directory" "is a directory" simulate --config "$TINY" --out a_directory --force
expect_bad "gradient over a FIFO" "is a FIFO" gradient --config "$TINY" --out a_fifo --force
expect_bad "gradient into a missing directory" "does not exist" gradient --config "$TINY" --out no/where.h5
expect_bad "config is a FIFO" "a_fifo" train --config a_fifo --out new.h5
expect_bad "config is a directory" "a_directory" train --config a_directory --out new.h5

# Damaged or unusual run files: one line that says what is wrong, for every reader.
expect_bad "resume a truncated run file" "damaged" train --out truncated.h5 --resume --es.generations 4
expect_bad "resume without /checkpoint/optimizer_m" "/checkpoint/optimizer_m is missing" train --out no_moments.h5 --resume --es.generations 4
expect_bad "resume without the config attribute" "config is missing" train --out no_config.h5 --resume --es.generations 4
expect_bad "resume without /checkpoint" "/checkpoint is missing" train --out no_checkpoint.h5 --resume --es.generations 4
expect_bad "resume a FIFO" "is a FIFO" train --out a_fifo --resume
expect_bad "resume a directory" "is a directory" train --out a_directory --resume
expect_bad "resume through a symbolic link" "symbolic link" train --out link.h5 --resume --es.generations 4
expect_bad "info on a truncated file" "damaged" info truncated.h5
expect_bad "info without /checkpoint/optimizer_m" "optimizer_m is missing" info no_moments.h5
expect_bad "info without the config attribute" "config is missing" info no_config.h5
expect_bad "info on a FIFO" "is a FIFO" info a_fifo
expect_bad "info on a directory" "is a directory" info a_directory
expect_bad "simulate --params truncated" "damaged" simulate --params truncated.h5 --out sim.h5
expect_bad "simulate --params without the config" "config is missing" simulate --params no_config.h5 --out sim.h5
expect_bad "gradient --params without optimizer_m" "optimizer_m is missing" gradient --config "$TINY" --params no_moments.h5 --out g.h5
expect_bad "resume with another task's config names the task" "task.name" train --out good.h5 --resume --config "$TURN_OFF" --es.generations 4

# Numbers: no sign wrap-around, no infinities, no values beyond a range.
expect_bad "gradient --repeats -1" "--repeats = '-1' is not a non-negative integer" gradient --config "$TINY" --out g.h5 --repeats -1
expect_bad "gradient --repeats 0" "--repeats = '0' must be at least 1" gradient --config "$TINY" --out g.h5 --repeats 0
expect_bad "gradient --repeats too many" "must be at most 10000" gradient --config "$TINY" --out g.h5 --repeats 10001
expect_bad "gradient --populations 1e300" "--populations = '1e300'" gradient --config "$TINY" --out g.h5 --populations 10,1e300
expect_bad "gradient --populations -5" "--populations = '-5'" gradient --config "$TINY" --out g.h5 --populations -5
expect_bad "gradient --populations beyond the limit" "must be at most 1000000" gradient --config "$TINY" --out g.h5 --populations 2000000
expect_bad "gradient --generation -1" "--generation = '-1'" gradient --config "$TINY" --out g.h5 --generation -1
expect_bad "gradient --generation of the validation batch" "must be at most 4294967294" gradient --config "$TINY" --out g.h5 --generation 4294967295
expect_bad "gradient --sigmas inf" "--sigmas" gradient --config "$TINY" --out g.h5 --sigmas 0.1,inf
expect_bad "scan --points -1" "--points = '-1' is not a non-negative integer" scan --config "$TINY" --out scan.h5 --points -1
expect_bad "scan --points beyond the limit" "--points = '99999999999' must be at most 10000000" scan --config "$TINY" --out scan.h5 --points 99999999999
expect_bad "scan over an infinite range" "--from = '-inf' is not a finite number" scan --config "$TINY" --out scan.h5 --from -inf --to inf
expect_bad "scan --to nan" "--to = 'nan' is not a finite number" scan --config "$TINY" --out scan.h5 --to nan
expect_bad "scan --index -1" "--index = '-1'" scan --config "$TURN_OFF" --out scan.h5 --index -1
expect_bad "scan --sigma -1" "--sigma = '-1' must not be negative" scan --config "$TURN_OFF" --out scan.h5 --sigma -1
expect_bad "scan over a range too wide to step" "too far apart" scan --config "$TURN_OFF" --out scan.h5 --from -1e308 --to 1e308
expect_bad "simulate --generation -1 (was: the validation batch)" "--generation = '-1'" simulate --config "$TINY" --out sim.h5 --generation -1
expect_bad "simulate --generation 4294967295" "must be at most 4294967294" simulate --config "$TINY" --out sim.h5 --generation 4294967295
expect_bad "population near 2^31" "es.population must be at most 1000000" train --config "$TINY" --out new.h5 --es.population 2147483646
expect_bad "population 1e300" "es.population = '1e300' is not a non-negative integer" train --config "$TINY" --out new.h5 --es.population 1e300
expect_bad "hidden width beyond 2^64" "task.hidden = '99999999999999999999999' must be at most" train --config "$TINY" --out new.h5 --task.hidden 99999999999999999999999
expect_bad "generations reaching the validation batch" "es.generations = '4294967295' must be at most" train --config "$TINY" --out new.h5 --es.generations 4294967295
expect_bad "negative seed" "run.seed = '-1'" train --config "$TINY" --out new.h5 --run.seed -1
expect_bad "negative step budget" "ode.max_steps = '-1'" train --config "$TINY" --out new.h5 --ode.max_steps -1
expect_bad "negative failure limit" "run.max_failed_generations = '-1'" train --config "$TINY" --out new.h5 --run.max_failed_generations -1
expect_bad "network too large" "task.neurons" train --config "$EVIDENCE" --out new.h5 --task.neurons 100000
expect_bad "trial states too many" "task.trials x task.neurons" train --config "$EVIDENCE" --out new.h5 --task.neurons 2000 --task.trials 1000
expect_bad "too many parameters" "more than esbio's limit" train --config "$SOURCE_DIR/data/ci/robertson_small.ini" --out new.h5 --task.hidden 5000
expect_bad "sigma infinite" "es.sigma = 'inf' is not a finite number" train --config "$TINY" --out new.h5 --es.sigma inf

# The strategies' and benchmark tasks' options.
SPHERE=(--task.name sphere --es.block_coordinate false)
expect_bad "unknown strategy" "es.strategy = 'xnes' is not one of" train --config "$TINY" --out new.h5 --es.strategy xnes
expect_bad "a joint strategy in rotation" "es.block_coordinate must be false" train --config "$TINY" --out new.h5 --es.strategy snes --es.block_coordinate true
expect_bad "pgpe with an odd population" "even for the pgpe" train "${SPHERE[@]}" --out new.h5 --es.strategy pgpe --es.population 7
expect_bad "population 0 for song" "es.population must be at least 2" train --config "$TINY" --out new.h5 --es.population 0
expect_bad "unknown noise" "es.noise = 'sparse'" train --config "$TINY" --out new.h5 --es.noise sparse
expect_bad "rank 0" "es.rank = '0' must be at least 1" train --config "$TINY" --out new.h5 --es.noise lowrank --es.rank 0
expect_bad "negative rank" "es.rank = '-2'" train --config "$TINY" --out new.h5 --es.rank -2
expect_bad "low-rank noise for CMA-ES" "CMA-ES shapes its own noise" train "${SPHERE[@]}" --out new.h5 --es.strategy cmaes --es.noise lowrank
expect_bad "a noise table of no entries" "es.table_size = '0' must be at least 1" train --config "$TINY" --out new.h5 --es.noise table --es.table_size 0
expect_bad "a noise table smaller than the parameters" "es.table_size (10) must be at least the parameter count" train --config "$TINY" --out new.h5 --es.noise table --es.table_size 10
expect_bad_np2 "a noise table smaller than the parameters, 2 ranks" "es.table_size (10) must be at least the parameter count" train --config "$TINY" --out new.h5 --es.noise table --es.table_size 10
expect_bad "a noise table of 2^40 entries" "es.table_size = '1099511627776' must be at most 2147483648" train --config "$TINY" --out new.h5 --es.noise table --es.table_size 1099511627776
expect_bad "an unknown spiral precision" "task.precision = 'float16' is not one of: float64, float32" train --config "$TINY" --out new.h5 --task.precision float16
expect_bad "sigma_lr not a number" "es.sigma_lr = 'fast'" train "${SPHERE[@]}" --out new.h5 --es.strategy snes --es.sigma_lr fast
expect_bad "sigma_lr zero" "es.sigma_lr must be positive" train "${SPHERE[@]}" --out new.h5 --es.strategy snes --es.sigma_lr 0
expect_bad "mean_lr negative" "es.mean_lr must be positive" train "${SPHERE[@]}" --out new.h5 --es.strategy snes --es.mean_lr -1
expect_bad "sigma_max_change zero" "es.sigma_max_change = '0' must be positive" train "${SPHERE[@]}" --out new.h5 --es.strategy pgpe --es.sigma_max_change 0
expect_bad "restarts negative" "es.restarts = '-1'" train "${SPHERE[@]}" --out new.h5 --es.strategy cmaes --es.restarts -1
expect_bad "restarts too many" "es.restarts = '99' must be at most 20" train "${SPHERE[@]}" --out new.h5 --es.strategy cmaes --es.restarts 99
expect_bad "guided_k zero" "es.guided_k = '0' must be at least 1" train "${SPHERE[@]}" --out new.h5 --es.strategy guided --es.guided_k 0
expect_bad "guided_alpha above 1" "es.guided_alpha must be between 0 and 1" train "${SPHERE[@]}" --out new.h5 --es.strategy guided --es.guided_alpha 1.5
expect_bad "guided_beta negative" "es.guided_beta = '-2' must be positive" train "${SPHERE[@]}" --out new.h5 --es.strategy guided --es.guided_beta -2
expect_bad "unknown optimiser" "optim.name = 'lion'" train --config "$TINY" --out new.h5 --optim.name lion
expect_bad "optim.nonfinite not a choice" "optim.nonfinite = 'nan' is not one of: skip, zero" train --config "$TINY" --out new.h5 --method bp --optim.nonfinite nan
expect_bad "optim.nonfinite a number" "optim.nonfinite = '1' is not one of: skip, zero" train --config "$TINY" --out new.h5 --method bp --optim.nonfinite 1
expect_bad "optim.nonfinite negative" "optim.nonfinite = '-1' is not one of: skip, zero" train --config "$TINY" --out new.h5 --method bp --optim.nonfinite -1
expect_bad "optim.nonfinite empty" "optim.nonfinite" train --config "$TINY" --out new.h5 --method bp --optim.nonfinite ''
expect_bad "clipup max_speed negative" "optim.max_speed = '-1' must not be negative" train "${SPHERE[@]}" --out new.h5 --optim.name clipup --optim.max_speed -1
expect_bad "dimension zero" "task.dimension = '0' must be at least 1" train "${SPHERE[@]}" --out new.h5 --task.dimension 0
expect_bad "dimension negative" "task.dimension = '-3'" train "${SPHERE[@]}" --out new.h5 --task.dimension -3
expect_bad "x0 of the wrong length" "task.x0 has 2 values for task.dimension = 3" train "${SPHERE[@]}" --out new.h5 --task.dimension 3 --task.x0 1,2
expect_bad "x0 infinite" "task.x0 = 'inf'" train "${SPHERE[@]}" --out new.h5 --task.x0 inf
expect_bad "condition zero" "task.condition = '0' must be positive" train --task.name ellipsoid --es.block_coordinate false --out new.h5 --task.condition 0
expect_bad "gradient of a strategy that estimates none" "does not estimate a gradient" gradient "${SPHERE[@]}" --out g.h5 --es.strategy cmaes
expect_bad "gradient of CMA-ES names the strategies that estimate one" "(song, openai, snes, pgpe and guided do)" gradient "${SPHERE[@]}" --out g.h5 --es.strategy sep_cmaes
expect_bad "gradient with an odd population for a mirrored strategy" "--populations: mirrored pairs need even S" gradient "${SPHERE[@]}" --out g.h5 --es.strategy pgpe --populations 10,11
# A strategy's own option is checked whichever strategy runs (the registry reads them all).
expect_bad "guided's alpha under song" "es.guided_alpha must be between 0 and 1" train --config "$TINY" --out new.h5 --es.guided_alpha 2
expect_bad "pgpe's sigma_lr under cmaes" "es.sigma_lr must be positive" train "${SPHERE[@]}" --out new.h5 --es.strategy cmaes --es.sigma_lr -1

# The neuron model and the network task's files.
expect_bad "an unknown neuron model" "unknown neuron model 'izhikevich'" train --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out new.h5 --neuron.model izhikevich
expect_bad "a number for the neuron model" "unknown neuron model '3'" train --config "$SOURCE_DIR/data/ci/turn_off_fast.ini" --out new.h5 --neuron.model 3
expect_bad "task network without task.network" "task.name = network needs task.network FILE" train --task.name network --task.data foreign.h5 --out new.h5
expect_bad "task.network that does not exist" "network file 'absent.h5' does not exist" train --task.name network --task.network absent.h5 --task.data foreign.h5 --out new.h5
expect_bad "task.network that is not a network file" "network file 'foreign.h5'" train --task.name network --task.network foreign.h5 --task.data foreign.h5 --out new.h5

# Text: a NUL byte or a newline cannot cut the message short or split it.
expect_bad "NUL byte in an INI value" "line 2 contains the control byte \x00" train --config nul_value.ini --out new.h5
expect_bad "NUL byte in an INI key" "nul_key.ini' line 2" train --config nul_key.ini --out new.h5
expect_bad "newline in a value" "es.sigma = '0.1\nx' is not a finite number" train --config "$TINY" --out new.h5 --es.sigma "$(printf '0.1\nx')"

# Under mpirun only rank 0 speaks, and every rank exits 2.
expect_bad_np2 "bad sigma" "es.sigma" train --config "$TINY" --out new.h5 --es.sigma 0
expect_bad_np2 "--force over a device" "is a device" train --config "$TINY" --out /dev/null --force
expect_bad_np2 "resume a truncated file" "damaged" train --out truncated.h5 --resume --es.generations 4
expect_bad_np2 "simulate with a bad override" "task.hidden" simulate --config "$TINY" --out sim.h5 --task.hidden 0
expect_bad_np2 "info on a foreign file" "not an esbio run file" info foreign.h5
expect_bad_np2 "scan --points -1" "--points" scan --config "$TINY" --out scan.h5 --points -1
expect_bad_np2 "gradient --repeats -1" "--repeats" gradient --config "$TINY" --out g.h5 --repeats -1
expect_bad_np2 "task build failure" "task.batch" train --config "$TINY" --out new.h5 --task.batch 5000
check "the FIFO is still a FIFO" test -p a_fifo
check "the directory is still a directory" test -d a_directory
check "/dev/null is still a character device" test -c /dev/null

check "help answers" bash -c "'$ESBIO' train --help | grep -q -- '--es.sigma'"
check "help has a section per strategy" bash -c "'$ESBIO' train --help | grep -q 'es.strategy = cmaes ('"
finish
