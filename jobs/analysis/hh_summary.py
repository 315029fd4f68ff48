#!/usr/bin/python3
"""The Hodgkin-Huxley study's table and figure (jobs/local/hh_study.sh, docs/results.md).

usage: /usr/bin/python3 jobs/analysis/hh_summary.py RUNS_DIR OUT.png
Prints, for each run in RUNS_DIR (NAME-es.h5, NAME-bp.h5): generations, wall time, first and last
loss, best and last validation accuracy; the ES-vs-BP cosines of NAME-grad.h5 (mean over repeats
per sigma and S); the median and maximum stiffness ratio of stiff-hh.h5 and stiff-ml.h5. Draws
loss and validation accuracy against generation and against wall time.
"""
import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs, out = sys.argv[1], sys.argv[2]
    names = sorted({os.path.basename(p).rsplit("-", 1)[0]
                    for p in glob.glob(os.path.join(runs, "*-es.h5"))})
    fig, ax = plt.subplots(len(names), 2, figsize=(11, 3.2 * len(names)), squeeze=False)
    print("| run | method | generations | wall (s) | loss first -> last | val. acc. best / last |")
    print("|---|---|---|---|---|---|")
    for row, name in enumerate(names):
        for colour, method in (("C0", "es"), ("C3", "bp")):
            path = os.path.join(runs, f"{name}-{method}.h5")
            if not os.path.exists(path):
                continue
            with open_checked(path, "esbio-run-1", "run") as f:
                h = datasets(f["history"])
            wall = np.cumsum(h["wall_s"])
            acc = h["validation_accuracy"]
            ok = np.isfinite(acc)
            best = f"{100 * np.max(acc[ok]):.1f} / {100 * acc[ok][-1]:.1f} %" if ok.any() else "-"
            print(f"| {name} | {method.upper()} | {len(h['loss'])} | {wall[-1]:.0f} | "
                  f"{h['loss'][0]:.4g} -> {h['loss'][-1]:.4g} | {best} |")
            ax[row, 0].plot(h["generation"], h["loss"], color=colour, label=method.upper())
            if ok.any():
                ax[row, 1].plot(wall[ok], 100 * acc[ok], "o-", color=colour, label=method.upper())
            else:
                ax[row, 1].plot(wall, h["loss"], color=colour, label=method.upper())
        ax[row, 0].set(title=f"{name}: loss", xlabel="generation", ylabel="loss")
        ax[row, 1].set(title=f"{name}: validation accuracy" if "evidence" in name else
                       f"{name}: loss", xlabel="wall time (s)")
        for a in ax[row]:
            a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"\nwrote {out}\n")

    for path in sorted(glob.glob(os.path.join(runs, "*-grad.h5"))):
        with open_checked(path, "esbio-gradient-1", "gradient") as f:
            g = datasets(f["gradient"])
            print(f"{os.path.basename(path)}: |g_BP| = {f['gradient'].attrs['bp_norm']:.4g}, "
                  f"P = {g['bp_gradient'].size}")
        for sigma in np.unique(g["sigma"]):
            cells = []
            for s in np.unique(g["population"]):
                sel = (g["sigma"] == sigma) & (g["population"] == s)
                cells.append(f"S={s:g}: {np.mean(g['cosine'][sel]):+.3f}")
            print(f"  sigma {sigma:g}: " + ", ".join(cells))
        if "horizon" in g:
            print("  |g_BP| by horizon: " + ", ".join(
                f"{t:g} ms: {n:.3g}" for t, n in zip(g["horizon"], g["horizon_bp_norm"])))
    for label in ("hh", "ml"):
        path = os.path.join(runs, f"stiff-{label}.h5")
        if os.path.exists(path):
            with open_checked(path, "esbio-traces-1", "traces") as f:
                r = f["traces/stiffness_ratio"][()]
            r = r[np.isfinite(r)]
            print(f"stiffness ratio {label}: median {np.median(r):.3g}, max {np.max(r):.3g} "
                  f"({r.size} samples)")


if __name__ == "__main__":
    main()
