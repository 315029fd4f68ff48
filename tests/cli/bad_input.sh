#!/usr/bin/env bash
# Bad input: exit code 2, exactly one line naming the problem, and no file created or changed.
source "$(dirname "$0")/lib.sh"

"$ESBIO" train --config "$TINY" --out good.h5 --quiet --es.generations 2 || fail "setup run"
printf 'this line is not INI\n' > malformed.ini
printf '[es]\nfrobnicate = 3\n' > unknown_key.ini
"$PYTHON" -c 'import h5py; h5py.File("foreign.h5", "w")["x"] = [1, 2, 3]'
snapshot() { find . -type f ! -name out.txt ! -name err.txt -printf '%p %s %T@\n' | sort | sha256sum; }

expect_bad() { # description expected-text esbio-args...
  local what=$1 text=$2
  shift 2
  local before after rc
  before=$(snapshot)
  "$ESBIO" "$@" > out.txt 2> err.txt
  rc=$?
  after=$(snapshot)
  checks=$((checks + 1))
  if [ "$rc" -ne 2 ]; then fail "$what: exit $rc, expected 2"; return; fi
  if [ "$(wc -l < err.txt)" -ne 1 ]; then fail "$what: stderr has $(wc -l < err.txt) lines"; cat err.txt; return; fi
  if ! grep -qF -- "$text" err.txt; then fail "$what: '$(cat err.txt)' does not name '$text'"; return; fi
  if [ "$before" != "$after" ]; then fail "$what: files changed"; return; fi
  pass "$what: $(cat err.txt)"
}

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
expect_bad "unknown command" "unknown command" frobnicate
expect_bad "gradient without --out" "--out" gradient --config "$TINY"
expect_bad "gradient with a bad sigma list" "--sigmas" gradient --config "$TINY" --out g.h5 --sigmas 0.1,x
expect_bad "gradient with a fractional population" "--populations" gradient --config "$TINY" --out g.h5 --populations 10.5
expect_bad "gradient horizons on the spiral" "--horizons" gradient --config "$TINY" --out g.h5 --horizons 100
expect_bad "per-component atol of the wrong length" "ode.atol_per_component needs 2 values" train --config "$TINY" --out new.h5 --ode.atol_per_component 1e-8
expect_bad "unknown method" "method" train --config "$TINY" --out new.h5 --method adjoint

# Under mpirun only rank 0 speaks, and every rank exits 2.
before=$(snapshot)
mpi 2 "$ESBIO" train --config "$TINY" --out new.h5 --es.sigma 0 > out.txt 2> err.txt
rc=$?
check "mpirun -np 2 bad sigma: non-zero exit" test "$rc" -ne 0
check "mpirun -np 2 bad sigma: one esbio line" test "$(grep -c '^esbio: error' err.txt)" -eq 1
check "mpirun -np 2 bad sigma: nothing written" test "$before" = "$(snapshot)"

check "help answers" bash -c "'$ESBIO' train --help | grep -q -- '--es.sigma'"
finish
