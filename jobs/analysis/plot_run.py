#!/usr/bin/python3
"""Plot what happened in an esbio run: loss, gradient-estimate norm and failures per generation,
and for classification tasks the accuracy on the batch and on the held-out validation set.

usage: /usr/bin/python3 jobs/analysis/plot_run.py RUN.h5 [OUT.png]
Reads only the run file (h5py), so it works on any machine the file is copied to.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked, paths


def moving_average(x, w):
    if len(x) < w:
        return x
    return np.convolve(x, np.ones(w) / w, mode="valid")


def main():
    path, out = paths(__doc__)
    with open_checked(path, "esbio-run-1", "run") as f:
        h = datasets(f["history"])
        task, ranks = f.attrs["task"], f.attrs["ranks"]
        method = f.attrs.get("method", "es")
        blocks = f["params"].attrs["blocks"].split(",")
        cfg = dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())
    gen = h["generation"] + 1
    classification = np.isfinite(h["accuracy"]).any()
    fig, ax = plt.subplots(1, 4 if classification else 3, figsize=(18 if classification else 14, 4))
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
    how = ("bp (exact gradient)" if method == "bp" else
           f"{cfg.get('es.strategy')} S={cfg.get('es.population')} sigma={cfg.get('es.sigma')}")
    fig.suptitle(f"esbio {how} {cfg.get('optim.name')} lr={cfg.get('optim.lr')}, "
                 f"{ranks} rank(s), {np.sum(h['wall_s']):.0f} s")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
