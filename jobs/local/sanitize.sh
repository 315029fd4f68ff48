#!/usr/bin/env bash
# The unit and MPI suites under AddressSanitizer and UndefinedBehaviorSanitizer (the asan preset).
# Any finding fails the run: UB aborts (-fno-sanitize-recover), and ASan reports leaks in the unit
# suite. Open MPI's own allocations are not freed at exit, so leak detection is off under mpirun.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
cmake --preset asan > /dev/null
cmake --build --preset asan -j "$(nproc)" --target esbio_unit esbio_mpi_tests
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ASAN_OPTIONS=detect_leaks=1 build/asan/tests/esbio_unit
for n in 1 2 3; do
  ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np "$n" \
    build/asan/tests/esbio_mpi_tests
done
echo "sanitizers: unit and MPI suites clean"
