#!/usr/bin/python3
"""Plot an esbio scan: the raw and Gaussian-smoothed loss along one parameter, and their
finite-difference gradients (the paper's Fig. 1 B-C for task A).

usage: /usr/bin/python3 jobs/analysis/plot_scan.py SCAN.h5 [OUT.png]
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked, paths


def main():
    path, out = paths(__doc__)
    with open_checked(path, "esbio-scan-1", "scan") as f:
        s = datasets(f["scan"])
        sigma, param, task = f["scan"].attrs["sigma"], f.attrs["param"], f.attrs["task"]
    x = s["values"]
    fig, ax = plt.subplots(1, 2, figsize=(12, 4))
    ax[0].plot(x, s["loss"], color="0.6", lw=0.8, label="raw loss")
    ax[0].plot(x, s["smoothed_loss"], color="C0", label=f"Gaussian-smoothed, sigma={sigma:g}")
    ax[0].set(xlabel=param, ylabel="loss", title=f"{task}: loss landscape")
    ax[0].legend()
    ax[1].plot(x, s["gradient"], color="0.6", lw=0.8, label="raw (finite differences)")
    ax[1].plot(x, s["smoothed_gradient"], color="C0", label="smoothed")
    ax[1].set_yscale("symlog", linthresh=1.0)
    ax[1].set(xlabel=param, ylabel="dL/d" + param, title="gradient")
    ax[1].legend()
    fig.suptitle(f"raw gradient spans {np.nanmin(s['gradient']):.3g} .. {np.nanmax(s['gradient']):.3g}; "
                 f"smoothed {np.nanmin(s['smoothed_gradient']):.3g} .. "
                 f"{np.nanmax(s['smoothed_gradient']):.3g}")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
