#!/usr/bin/env bash
# The tutorial end to end (docs/tutorial.md): write the network and dataset files, train the
# 32-neuron E/I Morris-Lecar network on context-dependent integration by ES on 2 MPI ranks, by
# BPTT, and its readout alone (the control), simulate the validation trials before and after,
# export the trained networks, and draw runs/tutorial.png. About 3 minutes on 2 cores. Extra
# arguments go to every training (e.g. --es.generations 50).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/jobs/local/setup.sh"
cd "$root"
esbio=build/release/esbio
config=data/tutorial/tutorial.ini
mkdir -p runs
/usr/bin/python3 jobs/analysis/make_tutorial.py --seed 0 --out-dir runs
mpirun --oversubscribe -np 2 $esbio train --config $config --out runs/tutorial-es.h5 --force "$@"
mpirun --oversubscribe -np 2 $esbio train --config $config --method bp --out runs/tutorial-bp.h5 \
  --force "$@"
# The control: the random network left as it is, its readout trained by the exact gradient. What
# ES or BP reach beyond it is what they taught the input and recurrent weights.
mpirun --oversubscribe -np 2 $esbio train --config $config --es.blocks none \
  --es.exact_blocks readout.W,readout.b --out runs/tutorial-readout.h5 --force "$@"
# The trained networks as network files: what a user takes elsewhere, and what the weight map shows.
$esbio export --params runs/tutorial-es.h5 --out runs/tutorial-trained-es.h5 --force
$esbio export --params runs/tutorial-bp.h5 --out runs/tutorial-trained-bp.h5 --force
# The validation batch before training (the config's own files) and after, re-simulated from the
# exported file: it must give the run's final validation accuracy back.
$esbio simulate --config $config --out runs/tutorial-before.h5 --force
$esbio simulate --config $config --task.network runs/tutorial-trained-es.h5 \
  --out runs/tutorial-after-es.h5 --force
$esbio simulate --config $config --task.network runs/tutorial-trained-bp.h5 \
  --out runs/tutorial-after-bp.h5 --force
/usr/bin/python3 jobs/analysis/plot_tutorial.py runs/tutorial.png \
  --run ES=runs/tutorial-es.h5 --run BP=runs/tutorial-bp.h5 \
  --run "readout only=runs/tutorial-readout.h5" \
  --before runs/tutorial-before.h5 --after runs/tutorial-after-es.h5 --after-title "after ES" \
  --data runs/tutorial_data.h5 \
  --weights-before runs/tutorial_network.h5 --weights-after runs/tutorial-trained-es.h5
