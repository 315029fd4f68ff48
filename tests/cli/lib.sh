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
