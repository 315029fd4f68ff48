#!/usr/bin/env bash
# Install esbio from its build tree into a fresh prefix, build tests/consumer against the
# installed package with find_package(esbio CONFIG), and run it.
#   run.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cmake -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$work/build" -j 2 > /dev/null
"$work/build/esbio_consumer"
test -x "$work/prefix/bin/esbio"
"$work/prefix/bin/esbio" --version
