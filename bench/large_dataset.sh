#!/usr/bin/env bash
# A 2 GB dataset on 2 ranks (issue 27, bench/RESULTS.md): 25000 trials of 500 steps x 40
# channels in float32 (bench/large_dataset.py), a 32-neuron Morris-Lecar network, OpenAI-ES with
# 20 members on 32 trials per generation, validation on 200 trials every 5 generations. esbio
# prints each rank's bytes read from the dataset and peak memory at the end; the seconds per
# generation are the progress lines'. Files go to ${SCRATCH:-/tmp}/esbio-large (2 GB).
#   bench/large_dataset.sh [GENERATIONS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${SCRATCH:-/tmp}/esbio-large
mkdir -p "$dir"
[[ -f $dir/large_data.h5 ]] || /usr/bin/python3 "$root/bench/large_dataset.py" "$dir"
ls -l "$dir/large_data.h5"
cat >"$dir/large.ini" <<INI
[run]
validate_every = 5
[task]
name = network
network = $dir/large_net.h5
data = $dir/large_data.h5
integrator = fixed
dt = 0.1
trials = 32
[es]
strategy = openai
population = 20
sigma = 0.05
generations = ${1:-20}
[optim]
name = adam
lr = 0.01
INI
/usr/bin/time -f "rank 0 start-up and run: %e s wall, %M kB peak" \
  mpirun --oversubscribe -np 2 "$root/build/release/esbio" train --config "$dir/large.ini" \
  --out "$dir/large_run.h5" --force
