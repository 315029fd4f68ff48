#!/usr/bin/python3
"""The paper's Fig. 3 for task B from run files: held-out accuracy of every method, bands over seeds.

usage: /usr/bin/python3 jobs/analysis/plot_fig3.py OUT.png [--raster TRACES.h5] \\
           LABEL=RUN.h5[,RUN.h5 ...] [LABEL=RUN.h5[,...] ...]

Each LABEL groups the seeds of one configuration (for example reservoir=runs/res-s0.h5,...).
Panels: validation accuracy (the fixed validation set, /history/validation_accuracy) against
generation and against cumulative wall time (/history/wall_s, as each run ran: ranks and load
are the runs'), mean over seeds with a band of +-1 sd (min-max for 2 seeds) drawn as far as every
seed reached, and with --raster a spike raster of a trained network (`esbio simulate` traces) on three
trials, one per class. Prints the table of docs/results.md: mean +- sd (over seeds, ddof 1) of
validation accuracy after 100, 300 and 1000 generations (each seed's last validation after at
most that many updates; a run of G generations counts for G, its last validation being after
G - 1 updates) and the seeds counted.
"""
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from esbio_h5 import datasets, open_checked

MARKS = (100, 300, 1000)
# Past the shortest seed's end a grid column is partly or wholly NaN; nan* reductions say so.
warnings.filterwarnings("ignore", category=RuntimeWarning)


def read_group(paths):
    runs = []
    for path in paths:
        with open_checked(path, "esbio-run-1", "run") as f:
            h = datasets(f["history"])
        v = np.isfinite(h["validation_accuracy"])
        if not v.any():
            sys.exit(f"plot_fig3.py: {path} has no validation accuracy (task B with "
                     "task.validation_trials > 0 and run.validate_every)")
        # The centre is validated at the start of generation g, before its update: after g updates.
        runs.append({"gen": h["generation"][v], "acc": h["validation_accuracy"][v],
                     "wall": np.cumsum(h["wall_s"])[v], "last": int(h["generation"][-1]) + 1})
    return runs


def on_grid(runs, key, grid):
    """Each run's accuracy on a common grid of `key` values (step-wise: the last validation at or
    before each grid point), NaN past a run's end."""
    out = np.full((len(runs), len(grid)), np.nan)
    for i, r in enumerate(runs):
        idx = np.searchsorted(r[key], grid, side="right") - 1
        ok = (idx >= 0) & (grid <= r[key][-1])
        out[i, ok] = r["acc"][idx[ok]]
    return out


def band(ax, x, rows, color, label):
    # Only where every seed has a value: past the shortest seed's end the mean would change meaning.
    keep = ~np.isnan(rows).any(axis=0)
    x, rows = x[keep], rows[:, keep]
    mean = np.nanmean(rows, axis=0)
    if len(rows) >= 3:
        sd = np.nanstd(rows, axis=0, ddof=1)
        lo, hi = mean - sd, mean + sd
    else:
        lo, hi = np.nanmin(rows, axis=0), np.nanmax(rows, axis=0)
    ax.plot(x, 100 * mean, color=color, label=f"{label} ({len(rows)} seeds)")
    ax.fill_between(x, 100 * lo, 100 * hi, color=color, alpha=0.25, lw=0)


def raster(ax, path):
    with open_checked(path, "esbio-traces-1", "traces") as f:
        t = datasets(f["traces"])
    if "spike_time" not in t:
        sys.exit(f"plot_fig3.py: {path} holds no spikes (task B, fixed-step path)")
    labels, n = t["labels"].astype(int), t["V"].shape[2]
    shown = [int(np.flatnonzero(labels == c)[0]) for c in range(3) if (labels == c).any()]
    for row, trial in enumerate(shown):
        sel = t["spike_trial"] == trial
        ax.scatter(t["spike_time"][sel], row * (n + 8) + t["spike_neuron"][sel], s=0.6,
                   color=f"C{row}", marker="|", linewidths=0.5)
        pred = int(np.argmax(t["logits"][trial]))
        ax.text(201, row * (n + 8) + n / 2, f"trial {trial}\nlabel {labels[trial]}\nsaid {pred}",
                fontsize=7, va="center")
    ax.set(xlabel="time (ms)", ylabel="neuron (one block per trial)", xlim=(0, 230),
           title="spikes of the trained network")
    ax.set_yticks([])


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    out, traces = args.pop(0), None
    if "--raster" in args:
        i = args.index("--raster")
        traces = args[i + 1]
        del args[i: i + 2]
    groups = []
    for a in args:
        if "=" not in a:
            sys.exit(f"plot_fig3.py: '{a}' is not LABEL=RUN.h5[,RUN.h5...]")
        name, files = a.split("=", 1)
        groups.append((name, read_group(files.split(","))))
    fig, ax = plt.subplots(1, 3 if traces else 2, figsize=(17 if traces else 11.5, 4.5))
    print(f"{'configuration':28s} {'seeds':>5s} " +
          " ".join(f"{'gen ' + str(m):>15s}" for m in MARKS))
    for i, (name, runs) in enumerate(groups):
        last_gen = max(r["gen"][-1] for r in runs)
        gens = np.arange(0, last_gen + 1)
        band(ax[0], gens, on_grid(runs, "gen", gens), f"C{i}", name)
        walls = np.linspace(0, max(r["wall"][-1] for r in runs), 400)
        band(ax[1], walls, on_grid(runs, "wall", walls), f"C{i}", name)
        cells = []
        for m in MARKS:
            if all(r["last"] >= m for r in runs):
                acc = np.array([on_grid([r], "gen", np.array([min(m, r["gen"][-1])]))[0, 0]
                                for r in runs])
                cells.append(f"{100 * acc.mean():6.1f} +- {100 * acc.std(ddof=1) if len(acc) > 1 else 0:4.1f}")
            else:
                cells.append(f"{'-':>15s}")
        print(f"{name:28s} {len(runs):5d} " + " ".join(f"{c:>15s}" for c in cells))
    for a, x in zip(ax[:2], ("generation", "wall time (s, as run)")):
        a.axhline(100 / 3, color="0.5", ls=":", label="chance")
        a.set(xlabel=x, ylabel="validation accuracy (%)")
        a.legend(fontsize=8, loc="lower right")
    ax[0].set_title("by generation")
    ax[1].set_title("by wall time")
    if traces:
        raster(ax[2], traces)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
