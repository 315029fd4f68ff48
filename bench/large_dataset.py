#!/usr/bin/python3
"""A dataset larger than a rank should hold, and a network to train on it (bench/large_dataset.sh).

usage: /usr/bin/python3 bench/large_dataset.py DIR [--trials T]
DIR/large_data.h5: T trials (default 25000) of 500 steps x 40 channels in float32, chunked one
trial per chunk (T = 25000 is 2.0 GB), dt_ms = 0.5, labels 0/1 (which of two channel groups
carries more drive), the last 200 trials validation. DIR/large_net.h5: 32 Morris-Lecar
neurons, current coupling, 40 input channels, 2 outputs. Deterministic (seed 0); written in
blocks of 1000 trials, so this script itself never holds the whole file either.
"""
import sys

import h5py
import numpy as np


def main():
    if len(sys.argv) not in (2, 4):
        sys.exit(__doc__)
    out = sys.argv[1]
    trials = int(sys.argv[3]) if len(sys.argv) == 4 else 25000
    steps, channels, n, outputs = 500, 40, 32, 2
    rng = np.random.default_rng(0)
    with h5py.File(f"{out}/large_data.h5", "w") as f:
        f.attrs.update(format="esbio-dataset", version=1, dt_ms=0.5)
        x = f.create_dataset("inputs", (trials, steps, channels), dtype="f4",
                             chunks=(1, steps, channels))
        labels = rng.integers(0, 2, trials)
        for first in range(0, trials, 1000):
            k = min(1000, trials - first)
            block = rng.random((k, steps, channels), dtype=np.float32) * 0.2
            lab = labels[first:first + k]
            block[lab == 0, :, :20] += 0.1
            block[lab == 1, :, 20:] += 0.1
            x[first:first + k] = block
        f["labels"] = labels.astype(np.int64)
        split = np.zeros(trials, dtype=np.int64)
        split[-200:] = 1
        f["split"] = split
    with h5py.File(f"{out}/large_net.h5", "w") as f:
        f.attrs.update(format="esbio-network", version=1)
        p = f.create_group("populations")
        p.attrs["order"] = ["neurons"]
        g = p.create_group("neurons")
        g.attrs.update(model="morris_lecar", count=n, V0_mean=-20.0, V0_sd=5.0)
        r = f.create_group("recurrent")
        r.attrs["coupling"] = "current"
        r["W"] = rng.uniform(-0.2, 0.2, (n, n))
        i = f.create_group("input")
        i.attrs.update(gain=36.75, offset=39.9, Iapp=0.1)
        i["W"] = rng.uniform(-0.3, 0.3, (channels, n))
        o = f.create_group("readout")
        o.attrs.update(variable="spike_indicator", window_ms=[50.0, 0.0], Vt=-3.0, Kp=8.0)
        o["W"] = rng.uniform(-0.3, 0.3, (outputs, n))
        o["b"] = np.zeros(outputs)
        t = f.create_group("trainable")
        t.attrs["blocks"] = ["input.W", "recurrent.W", "readout.W", "readout.b"]


if __name__ == "__main__":
    main()
