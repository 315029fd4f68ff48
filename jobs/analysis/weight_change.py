#!/usr/bin/python3
"""What training changed in each parameter block of a run, against its initial parameters.

usage: /usr/bin/python3 jobs/analysis/weight_change.py RUN.h5 INITIAL_TRACES.h5 [RUN.h5 ...]

INITIAL_TRACES.h5 is `esbio simulate --config CONFIG --run.seed S --out FILE` of the run's
configuration and seed (its /traces/theta is the initial theta). Prints per block the relative
change |dW|/|W0| (Frobenius), and for matrices the share of |dW|^2 in the top 1, 5 and 20
singular values, which says whether the learned change is low-rank (a random matrix of the same
shape spreads it: the top 1, 5 and 20 shares of a 50x128 Gaussian matrix are about 0.05, 0.23
and 0.67, and the top-5 share of a 128x128 one 0.14).
"""
import sys

import numpy as np

from esbio_h5 import datasets, open_checked


def main():
    if len(sys.argv) < 3 or len(sys.argv) % 2 == 0:
        sys.exit(__doc__)
    pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
    print(f"{'run':36s} {'block':6s} {'|dW|/|W0|':>10s} {'top1':>6s} {'top5':>6s} {'top20':>6s}")
    for run, initial in pairs:
        with open_checked(run, "esbio-run-1", "run") as f:
            params = datasets(f["params"])
            blocks = f["params"].attrs["blocks"].split(",")
        with open_checked(initial, "esbio-traces-1", "traces") as f:
            theta0 = f["traces"]["theta"][()]
        at = 0
        for name in blocks:
            w = params[name]
            w0 = theta0[at: at + w.size].reshape(w.shape)
            at += w.size
            d = w - w0
            rel = np.linalg.norm(d) / np.linalg.norm(w0)
            cells = ["", "", ""]
            if min(w.shape) > 1 and np.any(d):
                s2 = np.linalg.svd(d, compute_uv=False) ** 2
                cells = [f"{s2[:k].sum() / s2.sum():6.2f}" for k in (1, 5, 20)]
            print(f"{run:36s} {name:6s} {rel:10.3f} " + " ".join(f"{c:>6s}" for c in cells))


if __name__ == "__main__":
    main()
