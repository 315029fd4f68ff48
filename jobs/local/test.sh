#!/usr/bin/env bash
# Build and run every test: serial unit tests, MPI tests at 1, 2 and 3 ranks, command-line
# tests (bad input, bit-identity across rank counts, stop and resume) and the SciPy reference.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
ctest --preset release
