#!/usr/bin/env bash
# A signal (SLURM's --signal=USR1@..., or mpirun forwarding it) stops the run at the next
# generation boundary with a checkpoint and exit code 3; --resume then continues bit-identically.
# The signal is sent when a progress line arrives, read from a pipe: no sleeps, no timing.
source "$(dirname "$0")/lib.sh"

stop_at_generation() { # ranks out-file: start a long run, signal it after generation 3
  mkfifo progress
  if [ "$1" -eq 0 ]; then
    "$ESBIO" train --config "$TINY" --out "$2" --es.generations 100000 > progress &
  else
    # mpirun itself must receive the signal (it forwards SIGUSR1 to every rank), so no wrapper
    "$MPIEXEC" --allow-run-as-root --oversubscribe -np "$1" \
      "$ESBIO" train --config "$TINY" --out "$2" --es.generations 100000 > progress &
  fi
  local pid=$! sent=0 line
  while IFS= read -r line; do
    if [ $sent -eq 0 ] && [[ $line =~ ^gen\ +3/ ]]; then
      kill -USR1 "$pid"
      sent=1
    fi
  done < progress
  wait "$pid"
  local rc=$?
  rm -f progress
  return $rc
}

for ranks in 0 2; do
  label=$([ $ranks -eq 0 ] && echo "no mpirun" || echo "mpirun -np $ranks")
  stop_at_generation $ranks stopped.h5 2> err.txt
  rc=$?
  check "$label: stopped run exits 3 (got $rc)" test $rc -eq 3
  check "$label: says how to continue" grep -q -- "--resume" err.txt
  check "$label: run file marked stopped" test "$(h5attr stopped.h5 status)" = stopped
  g=$(h5attr stopped.h5 generations_completed)
  check "$label: stopped after generation 3 ($g)" test "$g" -ge 3
  target=$((g + 5))
  "$ESBIO" train --out stopped.h5 --resume --quiet --es.generations $target || fail "$label: resume"
  "$ESBIO" train --config "$TINY" --out straight.h5 --force --quiet --es.generations $target || fail "straight run"
  check "$label: resumed theta == uninterrupted theta" same_dataset stopped.h5 straight.h5 /params/theta
  check "$label: resumed history == uninterrupted" same_dataset stopped.h5 straight.h5 /history/loss
  rm -f stopped.h5 straight.h5
done
finish
