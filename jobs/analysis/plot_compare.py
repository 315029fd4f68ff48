#!/usr/bin/python3
"""ES against BP (or any runs of one task): loss against generation and against wall time.

usage: /usr/bin/python3 jobs/analysis/plot_compare.py OUT.png RUN.h5 [RUN.h5 ...]
Each run is labelled by its method (and ES S, sigma); prints the final losses as a table.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked


def label(f, cfg):
    if f.attrs.get("method", "es") == "bp":
        return "BP"
    return f"ES S={cfg.get('es.population')} sigma={cfg.get('es.sigma')}"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, paths = sys.argv[1], sys.argv[2:]
    classification = False
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.5))
    print(f"{'run':40s} {'method':28s} {'gens':>6s} {'wall s':>8s} {'first':>10s} {'last10':>10s} "
          f"{'valid.':>10s} {'fails':>6s}")
    for i, path in enumerate(paths):
        with open_checked(path, "esbio-run-1", "run") as f:
            h = datasets(f["history"])
            cfg = dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())
            name = label(f, cfg)
        gen = h["generation"] + 1
        wall = np.cumsum(h["wall_s"])
        v = np.isfinite(h["validation_loss"])  # run.validate_every > 1: NaN in between
        ax[0].semilogy(gen[v], h["validation_loss"][v], color=f"C{i}", label=name)
        ax[1].semilogy(wall[v], h["validation_loss"][v], color=f"C{i}", label=name)
        if np.isfinite(h["accuracy"]).any():
            classification = True
            ax[2].plot(gen, 100 * h["accuracy"], color=f"C{i}", lw=0.8, label=name)
        else:
            ax[2].semilogy(gen, h["loss"], color=f"C{i}", lw=0.8, label=name)
        print(f"{path:40s} {name:28s} {len(gen):6d} {wall[-1]:8.0f} {h['loss'][0]:10.4g} "
              f"{np.mean(h['loss'][-10:]):10.4g} {h['validation_loss'][-1]:10.4g} "
              f"{int(np.sum(h['failures'])):6d}")
    ax[0].set(xlabel="generation", ylabel="loss (fixed validation batch)", title="by generation")
    ax[1].set(xlabel="wall time (s)", ylabel="loss (fixed validation batch)", title="by wall time")
    if classification:
        ax[2].axhline(100 / 3, color="0.5", ls=":", label="chance")
        ax[2].set(xlabel="generation", ylabel="accuracy (%)", title="centre accuracy (batch)")
    else:
        ax[2].set(xlabel="generation", ylabel="loss (batch)", title="centre loss (batch)")
    for a in ax:
        a.legend(fontsize=8)
        # A loss that reaches exactly 0 (a silenced neuron) vanishes from a log axis.
        if a.get_yscale() == "log" and any(np.nanmin(l.get_ydata()) <= 0 for l in a.get_lines()):
            top = max(np.nanmax(l.get_ydata()) for l in a.get_lines())
            a.set_yscale("symlog", linthresh=1e-3 * top)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
