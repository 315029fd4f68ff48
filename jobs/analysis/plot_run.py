#!/usr/bin/python3
"""Plot what happened in an esbio run: loss, gradient-estimate norm and failures per generation,
and for classification tasks the accuracy on the batch and on the held-out validation set.

usage: /usr/bin/python3 jobs/analysis/plot_run.py [--traces TRACES.h5] RUN.h5 [OUT.png]
Reads only the run file (h5py), so it works on any machine the file is copied to. With --traces
(`esbio simulate --params RUN.h5 --out TRACES.h5`) of a trajectory task it adds what the model
learned: the trajectory predicted by the learned field from the initial state, and each training
window's prediction, against the truth.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked, paths


def moving_average(x, w):
    if len(x) < w:
        return x
    return np.convolve(x, np.ones(w) / w, mode="valid")


def learned(ax, traces):
    """The spiral (task C) or any 2-D trajectory task: prediction against truth in the plane."""
    with open_checked(traces, "esbio-traces-1", "traces") as f:
        t = datasets(f["traces"])
    if "prediction" not in t or t["truth"].shape[-1] != 2:
        sys.exit(f"plot_run.py: {traces} holds no 2-D prediction (task C traces)")
    ax.plot(t["truth"][:, 0], t["truth"][:, 1], color="k", lw=2.5, alpha=0.35, label="truth")
    ax.plot(t["prediction"][:, 0], t["prediction"][:, 1], color="C3", lw=1,
            label="learned field, from y(0)")
    for k, w in enumerate(t.get("window_prediction", [])):
        ax.plot(w[:, 0], w[:, 1], color="C0", lw=0.8, alpha=0.7,
                label="training windows" if k == 0 else None)
    err = np.abs(t["prediction"] - t["truth"]).mean()
    ax.set(xlabel="y1", ylabel="y2", title=f"what it learned (MAE over the horizon {err:.3g})")
    ax.legend(fontsize=8)


def main():
    traces = None
    if len(sys.argv) > 2 and sys.argv[1] == "--traces":
        traces = sys.argv[2]
        del sys.argv[1:3]
    path, out = paths(__doc__)
    with open_checked(path, "esbio-run-1", "run") as f:
        h = datasets(f["history"])
        task, ranks = f.attrs["task"], f.attrs["ranks"]
        method = f.attrs.get("method", "es")
        blocks = f["params"].attrs["blocks"].split(",")
        cfg = dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())
    gen = h["generation"] + 1
    classification = np.isfinite(h["accuracy"]).any()
    panels = 3 + int(classification) + int(traces is not None)
    fig, ax = plt.subplots(1, panels, figsize=(4.6 * panels, 4))
    ax[0].semilogy(gen, h["loss"], color="0.75", lw=0.8, label="centre loss (batch)")
    w = 10
    if len(gen) >= w:
        ax[0].semilogy(gen[w - 1:], moving_average(h["loss"], w), color="C0",
                       label=f"{w}-generation mean")
    if "validation_loss" in h:
        # run.validate_every > 1 leaves NaN between validations: draw the validated generations.
        v = np.isfinite(h["validation_loss"])
        ax[0].semilogy(gen[v], h["validation_loss"][v], color="C2", marker="." if v.sum() < 50 else None,
                       label="centre loss (validation set)")
    ax[0].set(xlabel="generation", ylabel="loss", title=f"{task}: loss")
    ax[0].legend(fontsize=8)
    if method == "bp":
        ax[1].semilogy(gen, h["grad_norm"], ".", ms=2, color="C1", label="exact gradient")
    for b in np.unique(h["block"]) if method != "bp" else []:
        if b == -1:  # no ES block (the reservoir ablation): nothing to draw
            continue
        sel = h["block"] == b
        label = "all parameters" if b == -2 else f"block {blocks[b] if b < len(blocks) else b}"
        ax[1].semilogy(gen[sel], h["grad_norm"][sel], ".", ms=2, color=f"C{1 + max(int(b), 0)}",
                       label=label)
    ax[1].set(xlabel="generation", ylabel="|g|",
              title="BP gradient norm" if method == "bp" else "ES gradient-estimate norm")
    ax[1].legend(markerscale=4)
    ax[2].plot(gen, h["failures"], color="C3",
               label="failed gradients" if method == "bp" else "failed members")
    ax[2].set(xlabel="generation", ylabel="count", title="failed members per generation")
    ax[2].set_ylim(0, max(1, int(np.max(h["failures"], initial=0)) + 1))
    if classification:
        acc = h["accuracy"]
        ax[3].plot(gen, 100 * acc, color="0.75", lw=0.8, label="centre (batch)")
        if len(gen) >= w:
            ax[3].plot(gen[w - 1:], 100 * moving_average(acc, w), color="C0",
                       label=f"{w}-generation mean")
        if "validation_accuracy" in h and np.isfinite(h["validation_accuracy"]).any():
            v = np.isfinite(h["validation_accuracy"])
            ax[3].plot(gen[v], 100 * h["validation_accuracy"][v], color="C2",
                       marker="." if v.sum() < 50 else None, label="centre (validation set)")
        ax[3].axhline(100 / 3, color="k", ls=":", lw=0.8, label="chance")
        ax[3].set(xlabel="generation", ylabel="accuracy (%)", title="accuracy")
        ax[3].legend(fontsize=8)
    if traces:
        learned(ax[-1], traces)
    how = ("bp (exact gradient)" if method == "bp" else
           f"{cfg.get('es.strategy')} S={cfg.get('es.population')} sigma={cfg.get('es.sigma')}")
    fig.suptitle(f"esbio {how} {cfg.get('optim.name')} lr={cfg.get('optim.lr')}, "
                 f"{ranks} rank(s), {np.sum(h['wall_s']):.0f} s")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
