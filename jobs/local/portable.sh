#!/usr/bin/env bash
# The unit suite in the portable preset (the x86-64 baseline, Release): the build whose bits the
# strategies' golden θ hashes hold (tests/unit/test_strategy_regression.cpp). The README's
# default build is native, where those hashes cannot hold and the test checks self-reproduction.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
cmake --preset portable > /dev/null
cmake --build --preset portable -j "$(nproc)" --target esbio_unit
build/portable/tests/esbio_unit
echo "portable: unit suite passed, golden bits included"
