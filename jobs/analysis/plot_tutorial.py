#!/usr/bin/python3
"""The tutorial's figure (docs/tutorial.md) and the quickstart's: learning curves, spike rasters
before and after training, and the learned recurrent weights.

usage: /usr/bin/python3 jobs/analysis/plot_tutorial.py OUT.png --run LABEL=RUN.h5 [--run ...]
           --before TRACES.h5 --after TRACES.h5 [--after-title TEXT] [--data DATA.h5]
           [--weights-before NET.h5 --weights-after NET.h5]

RUN.h5 are `esbio train` run files (validation accuracy and loss per generation); TRACES.h5 are
`esbio simulate` files of the validation batch (task network, fixed-step scheme, which records
spike times); DATA.h5 is the dataset file, whose /context and /coherence (written by
make_tutorial.py, not read by esbio) pick the trials shown; NET.h5 are network files (the
initial one, and a trained one from `esbio export --params RUN.h5 --out NET.h5`). Prints the
final validation accuracy and wall time of every run.
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import h5py
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked

CHANCE = 0.5
CUE_IGNORED = 0.75  # the best accuracy of a network that ignores the context cue
STIMULUS_MS = 20.0  # make_tutorial.py's fixation period: evidence starts here


def read_run(path):
    with open_checked(path, "esbio-run-1", "run") as f:
        h = datasets(f["history"])
        method = f.attrs.get("method", "es")
    v = np.isfinite(h["validation_accuracy"])
    # The centre is validated before generation g's update: the point after g updates.
    return {"gen": h["generation"], "loss": h["loss"], "vgen": h["generation"][v],
            "vacc": h["validation_accuracy"][v], "vloss": h["validation_loss"][v],
            "wall": float(np.sum(h["wall_s"])), "method": method}


def curves(ax_acc, ax_loss, runs):
    xlabel = "generation" + (" (BP: step)" if any(r["method"] == "bp" for _, r in runs) else "")
    for i, (label, r) in enumerate(runs):
        c = f"C{i}"
        ax_acc.plot(r["vgen"], 100 * r["vacc"], color=c, marker=".",
                    label=f"{label}: {100 * r['vacc'][-1]:.1f} % after {len(r['gen'])} generations "
                          f"({r['wall']:.0f} s)")
        if ax_loss is not None:
            ax_loss.plot(r["gen"], r["loss"], color=c, lw=0.6, alpha=0.35)
            ax_loss.plot(r["vgen"], r["vloss"], color=c, marker=".", label=f"{label} (validation)")
    ax_acc.axhline(100 * CHANCE, color="0.5", ls=":", label="chance")
    ax_acc.axhline(100 * CUE_IGNORED, color="0.5", ls="--", label="best without the cue")
    ax_acc.set(xlabel=xlabel, ylabel="validation accuracy (%)", ylim=(30, 100),
               title="validation accuracy")
    ax_acc.legend(fontsize=7, loc="lower right")
    if ax_loss is not None:
        ax_loss.set(xlabel=xlabel, ylabel="cross-entropy",
                    title="loss (thin: training batch)")
        ax_loss.legend(fontsize=7)


def shown_trials(traces, data):
    """One validation trial per (context, label), or the first four without the data file."""
    trials = traces["trial"].astype(int)
    if data is None:
        return list(range(min(4, len(trials)))), ["" for _ in range(4)]
    with h5py.File(data, "r") as f:
        context = f["context"][()][trials] if "context" in f else None
    if context is None:
        return list(range(min(4, len(trials)))), ["" for _ in range(4)]
    labels = traces["labels"].astype(int)
    picks, names = [], []
    for ctx, name in ((0, "motion"), (1, "colour")):
        for lab in (1, 0):
            hit = np.flatnonzero((context == ctx) & (labels == lab))
            if len(hit):
                picks.append(int(hit[0]))
                names.append(f"{name} cue")
    return picks, names


def raster(ax, path, data, title):
    with open_checked(path, "esbio-traces-1", "traces") as f:
        t = datasets(f["traces"])
        acc = f["traces"].attrs["accuracy"]
        net = dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())["task.network"]
    if "spike_time" not in t or not len(t["spike_time"]):
        raise SystemExit(f"plot_tutorial.py: {path} holds no spikes (simulate with the "
                         "fixed-step scheme, --task.integrator fixed)")
    n, end = t["V"].shape[2], t["t"][-1]
    with h5py.File(net, "r") as f:
        n_e = int(f["populations/e"].attrs["count"]) if "populations/e" in f else n
        readout = float(f["readout"].attrs["window_ms"][0])
    picks, names = shown_trials(t, data)
    gap = 4
    for row, trial in enumerate(picks):
        sel = t["spike_trial"] == trial
        neuron = t["spike_neuron"][sel]
        base = row * (n + gap)
        for is_e, color in ((True, "C3"), (False, "C0")):
            k = (neuron < n_e) == is_e
            ax.scatter(t["spike_time"][sel][k], base + neuron[k], s=4, marker="|",
                       color=color, linewidths=0.8)
        said = int(np.argmax(t["outputs"][trial]))
        ax.text(end + 2, base + n / 2,
                f"{names[row]}\nlabel {int(t['labels'][trial])}, said {said}",
                fontsize=6.5, va="center", color="k" if said == t["labels"][trial] else "C3")
    ax.axvline(STIMULUS_MS, color="0.6", lw=0.8, ls=":")
    ax.axvspan(end - readout, end, color="0.9", zorder=-1)
    ax.set(xlim=(0, end * 1.3), ylim=(-gap, len(picks) * (n + gap)), xlabel="time (ms)",
           ylabel="neuron (E red, I blue), one block per trial")
    ax.set_title(f"{title}\nvalidation accuracy {100 * acc:.1f} %", fontsize=10)
    ax.set_yticks([])


def weights(ax, path, title, vmax=None):
    with h5py.File(path, "r") as f:
        w, n = f["recurrent/W"][()], f["recurrent/W"].shape[0]
        mask = f["recurrent/mask"][()] if "recurrent/mask" in f else np.ones((n, n))
        sign = f["recurrent/sign"][()] if "recurrent/sign" in f else np.ones(n)
        n_e = int(f["populations/e"].attrs["count"]) if "populations/e" in f else n
    eff = sign[:, None] * np.abs(w) * mask  # the coupling esbio integrates, W[pre, post]
    vmax = vmax or float(np.abs(eff).max())
    # Absent connections are drawn white on a grey ground, so that a zero weight the mask keeps
    # and a connection that does not exist look different.
    shown = np.ma.masked_where(mask == 0, eff)
    cmap = plt.get_cmap("RdBu_r").copy()
    cmap.set_bad("0.85")
    im = ax.imshow(shown, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
    ax.axhline(n_e - 0.5, color="k", lw=0.8)
    ax.axvline(n_e - 0.5, color="k", lw=0.8)
    ax.set(xlabel="postsynaptic i", ylabel="presynaptic j (E above the line, I below)",
           title=f"{title}: sign[j] |W[j, i]| (grey: no connection)")
    plt.colorbar(im, ax=ax, fraction=0.046)
    return vmax


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("out")
    p.add_argument("--run", action="append", required=True, help="LABEL=RUN.h5")
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--after-title", default="after training")
    p.add_argument("--data")
    p.add_argument("--weights-before")
    p.add_argument("--weights-after")
    a = p.parse_args()
    runs = [(s.split("=", 1)[0], read_run(s.split("=", 1)[1])) for s in a.run]
    with_weights = a.weights_before and a.weights_after
    if with_weights:
        fig, ax = plt.subplots(2, 3, figsize=(17, 9.5))
        curves(ax[0, 0], ax[1, 0], runs)
        raster(ax[0, 1], a.before, a.data, "before training")
        raster(ax[0, 2], a.after, a.data, a.after_title)
        vmax = weights(ax[1, 2], a.weights_after, "trained")
        weights(ax[1, 1], a.weights_before, "initial", vmax)
    else:
        fig, ax = plt.subplots(1, 4, figsize=(21, 4.6))
        curves(ax[0], ax[1], runs)
        raster(ax[2], a.before, a.data, "before training")
        raster(ax[3], a.after, a.data, a.after_title)
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    for label, r in runs:
        print(f"{label}: validation accuracy {100 * r['vacc'][0]:.1f} % -> "
              f"{100 * r['vacc'][-1]:.1f} % (best {100 * r['vacc'].max():.1f} %) in "
              f"{len(r['gen'])} generations, {r['wall']:.0f} s")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
