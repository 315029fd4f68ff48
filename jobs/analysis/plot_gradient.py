#!/usr/bin/python3
"""Plot an `esbio gradient` file: ES estimates against the BP gradient, and |g_BP| against horizon.

usage: /usr/bin/python3 jobs/analysis/plot_gradient.py GRAD.h5 [OUT.png]
Left: cosine(ES, BP) against the population S, one line per sigma (mean and spread of the
repeats), with 1/sqrt(1 + P/S), what an unbiased estimate with isotropic noise gives. Middle: the
ES estimate's norm against S. Right (task A files with --horizons): |g_BP| against the horizon.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked, paths


def main():
    path, out = paths(__doc__)
    with open_checked(path, "esbio-gradient-1", "gradient") as f:
        g = datasets(f["gradient"])
        task, bp_norm = f.attrs["task"], f["gradient"].attrs["bp_norm"]
    p = g["bp_gradient"].size
    horizons = "horizon" in g
    fig, ax = plt.subplots(1, 3 if horizons else 2, figsize=(16 if horizons else 11, 4.2))
    s_all = np.unique(g["population"])
    for i, sigma in enumerate(np.unique(g["sigma"])):
        sel = g["sigma"] == sigma
        for col, a in (("cosine", ax[0]), ("es_norm", ax[1])):
            mean = [np.mean(g[col][sel & (g["population"] == s)]) for s in s_all]
            lo = [np.min(g[col][sel & (g["population"] == s)]) for s in s_all]
            hi = [np.max(g[col][sel & (g["population"] == s)]) for s in s_all]
            a.plot(s_all, mean, "o-", color=f"C{i}", label=f"sigma = {sigma:g}")
            a.fill_between(s_all, lo, hi, color=f"C{i}", alpha=0.2)
    s_fine = np.geomspace(s_all.min(), s_all.max(), 100)
    ax[0].plot(s_fine, 1 / np.sqrt(1 + p / s_fine), "k:", label="1/sqrt(1 + P/S)")
    ax[0].set(xscale="log", xlabel="population S", ylabel="cosine(ES, BP)",
              title=f"{task}: ES estimate against the BP gradient (P = {p})")
    ax[1].axhline(bp_norm, color="k", ls=":", label="|g_BP|")
    ax[1].set(xscale="log", yscale="log", xlabel="population S", ylabel="|g_ES|",
              title="norm of the ES estimate")
    if horizons:
        ok = np.isfinite(g["horizon_bp_norm"]) & (g["horizon_bp_norm"] > 0)
        ax[2].loglog(g["horizon"][ok], g["horizon_bp_norm"][ok], "o-", color="C3")
        ax[2].set(xlabel="horizon", ylabel="|g_BP|", title="BP gradient norm against horizon")
    for a in ax[:2]:
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
