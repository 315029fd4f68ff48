#!/usr/bin/env bash
# SIGTERM and SIGINT (a scheduler's time limit, scancel, Ctrl-C) stop a run at once, in the middle
# of a generation: rank 0 writes the last completed generation, which it holds in memory, marks
# the run file `stopped` and exits 3, and --resume continues bit-identically. Under mpirun the
# ranks have about a second between mpirun forwarding the signal and killing them, so these
# generations take several seconds: the stop cannot wait for the generation to end. The signal is
# sent when the first progress line arrives, read from a pipe: no sleeps, no timing.
source "$(dirname "$0")/lib.sh"

EVIDENCE="$SOURCE_DIR/data/ci/evidence_small.ini"
# About 6 s per generation on two idle ranks of this machine (1.45 s per generation on one rank
# with 20 trials, before the trials here): mpirun's output forwarding and its kill take a good
# part of a second, so a faster generation could complete before the stop arrives.
slow=(--config "$EVIDENCE" --es.population 400 --task.trials 160)

# Rank 0's own exit code: under mpirun, Open MPI's mpirun exits 1 after any SIGTERM or SIGINT it
# receives, whatever the ranks return (orte/mca/ess/hnp, clean_abort), so each rank's esbio runs
# under a shell that records it. The shell's trap lets it outlive the signal esbio handles.
cat > record_rc.sh <<'SH'
trap : TERM INT
"$@"
echo $? > "rc.${OMPI_COMM_WORLD_RANK:-0}"
SH

stop_mid_generation() { # signal launcher(mpirun|direct) out-file
  local sig=$1 how=$2 out=$3
  rm -f progress rc.0 rc.1
  mkfifo progress
  if [ "$how" = mpirun ]; then
    "$MPIEXEC" --allow-run-as-root --oversubscribe -np 2 \
      bash record_rc.sh "$ESBIO" train "${slow[@]}" --es.generations 100000 --out "$out" > progress &
  else
    bash record_rc.sh "$ESBIO" train "${slow[@]}" --es.generations 100000 --out "$out" > progress &
  fi
  local pid=$! sent=0 line
  while IFS= read -r line; do
    if [ $sent -eq 0 ] && [[ $line =~ ^gen\ +1/ ]]; then
      # mpirun gets the signal (it forwards TERM and INT to every rank); without it, esbio.
      if [ "$how" = mpirun ]; then kill -"$sig" "$pid"; else pkill -"$sig" -P "$pid" -x esbio; fi
      sent=1
    fi
  done < progress
  wait "$pid"
  launcher_rc=$?
}

for how in mpirun direct; do
  for sig in TERM INT; do
    label="SIG$sig, $how"
    stop_mid_generation "$sig" "$how" stopped.h5 2> err.txt
    check "$label: rank 0 exits 3 (got $(cat rc.0 2> /dev/null))" test "$(cat rc.0 2> /dev/null)" = 3
    if [ "$how" = mpirun ]; then
      check "$label: mpirun itself exits non-zero ($launcher_rc)" test "$launcher_rc" -ne 0
    fi
    # mpirun passes SIGINT on to the ranks as SIGTERM.
    check "$label: one line from esbio says how to continue" \
      test "$(grep -cE '^esbio: stopped by SIG(TERM|INT) after generation .*--resume' err.txt)" -eq 1
    check "$label: no other esbio lines" test "$(grep -c '^esbio:' err.txt)" -eq 1
    check "$label: run file marked stopped" test "$("$ESBIO" info --status stopped.h5)" = stopped
    g=$(h5attr stopped.h5 generations_completed)
    # The signal arrived during generation 2 (index 1), which takes seconds: the checkpoint is
    # generation 1's, written at once, not generation 2's.
    check "$label: the checkpoint is the last completed generation ($g)" test "$g" -eq 1
    check "$label: no temporary file left" test ! -e stopped.h5.tmp
    if [ "$how$sig" = mpirunTERM ]; then
      "$ESBIO" train --out stopped.h5 --resume --quiet --es.generations 2 || fail "$label: resume"
      "$ESBIO" train "${slow[@]}" --es.generations 2 --out straight.h5 --quiet || fail "straight run"
      check "$label: resumed theta == uninterrupted theta" same_dataset stopped.h5 straight.h5 /params/theta
      check "$label: resumed optimiser == uninterrupted" same_dataset stopped.h5 straight.h5 /checkpoint/optimizer_v
      check "$label: resumed history == uninterrupted" same_dataset stopped.h5 straight.h5 /history/loss
      rm -f straight.h5
    fi
    rm -f stopped.h5
  done
done
finish
