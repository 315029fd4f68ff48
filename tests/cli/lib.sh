# Shared helpers for the command-line tests. Expects ESBIO, MPIEXEC, H5DIFF, PYTHON, SOURCE_DIR.
set -u
fails=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
TINY="$SOURCE_DIR/data/ci/spiral_tiny.ini"

pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
mpi() { "$MPIEXEC" --allow-run-as-root --oversubscribe -np "$@"; }
same_dataset() { # file_a file_b dataset: bit-identical (h5diff without tolerance compares exactly)
  "$H5DIFF" -q "$1" "$2" "$3" "$3"
}
h5attr() { # file attribute
  "$PYTHON" -c 'import sys, h5py; print(h5py.File(sys.argv[1], "r").attrs[sys.argv[2]])' "$1" "$2"
}
finish() {
  echo "$((checks - fails)) passed, $fails failed"
  [ "$fails" -eq 0 ]
}
checks=0
check() { # description command...
  local what=$1
  shift
  checks=$((checks + 1))
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# Bad input: exit code 2, exactly one line from esbio naming the problem, and nothing created or
# changed: every entry of the working directory (its type, size, time and, for files, the sha256
# of its contents) and the device /dev/null are compared before and after.
snapshot() {
  find . ! -name out.txt ! -name err.txt ! -name . -printf '%y %p %s %T@\n' | sort
  find . -type f ! -name out.txt ! -name err.txt -exec sha256sum {} + | sort
  stat -c '%F %t:%T' /dev/null
}
esbio_lines() { grep -c '^esbio:' err.txt; }

expect_bad() { # description expected-text esbio-args...
  expect_bad_with "" "$@"
}
expect_bad_np2() { # the same under mpirun -np 2: only rank 0 speaks, every rank exits 2
  expect_bad_with "np2" "$@"
}
expect_bad_with() { # launcher description expected-text esbio-args...
  local launcher=$1 what=$2 text=$3
  shift 3
  local before after rc
  before=$(snapshot)
  if [ -n "$launcher" ]; then
    what="mpirun -np 2: $what"
    mpi 2 "$ESBIO" "$@" > out.txt 2> err.txt
  else
    "$ESBIO" "$@" > out.txt 2> err.txt
  fi
  rc=$?
  after=$(snapshot)
  checks=$((checks + 1))
  if [ "$rc" -ne 2 ]; then fail "$what: exit $rc, expected 2"; cat err.txt; return; fi
  if [ -z "$launcher" ] && [ "$(wc -l < err.txt)" -ne 1 ]; then
    fail "$what: stderr has $(wc -l < err.txt) lines"; cat err.txt; return
  fi
  if [ "$(esbio_lines)" -ne 1 ]; then fail "$what: $(esbio_lines) lines from esbio"; cat err.txt; return; fi
  if ! grep -qF -- "$text" err.txt; then fail "$what: '$(grep '^esbio:' err.txt)' does not name '$text'"; return; fi
  if [ "$before" != "$after" ]; then fail "$what: files changed"; diff <(echo "$before") <(echo "$after"); return; fi
  pass "$what: $(grep '^esbio:' err.txt)"
}
