#!/usr/bin/python3
"""The task C sweep (paper Fig. 5B/C): generations and wall time for ES to reach BP's final
validation MAE, against the population S, for the best sigma at each S; and that best sigma.

usage: /usr/bin/python3 jobs/analysis/plot_sweep.py DIR [OUT.png]

DIR holds the run files of jobs/slurm/spiral_sweep.sbatch: es-*.h5 (ES, any S, sigma, seed) and
bp-*.h5 (BP references). The goal is read from the BP files, never assumed: the median validation
MAE over each BP run's last tenth of generations (BP's curve is noisy at the 2x level from one
generation to the next, so its last value alone is a lottery), then the median over BP seeds.
An ES run reaches the goal at the first generation whose validation MAE, as a running median of
5 generations, is at or below it. Runs that never reach it within their cap count as not reached
(the paper capped its runs at 400 iterations). For each S, the best sigma is the one with the
fewest median generations over seeds; ties go to the smaller wall time. Prints one table row per
(S, sigma) and the best-sigma summary as markdown.
"""
import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from esbio_h5 import datasets, open_checked  # noqa: E402

WINDOW = 5  # running median of the validation MAE


def read(path):
    with open_checked(path, "esbio-run-1", "run") as f:
        h = datasets(f["history"])
        cfg = dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())
        method = f.attrs.get("method", "es")
        if cfg.get("task.name") not in (None, "spiral"):
            sys.exit(f"plot_sweep.py: {path} is a {cfg.get('task.name')} run, not the spiral")
    v = np.asarray(h["validation_loss"], dtype=float)
    return {"path": path, "method": method, "cfg": cfg, "val": v,
            "wall": np.cumsum(h["wall_s"]), "seed": int(cfg.get("run.seed", 0))}


def running_median(v, w):
    out = np.full(len(v), np.nan)
    for i in range(len(v)):
        seg = v[max(0, i - w + 1):i + 1]
        seg = seg[np.isfinite(seg)]
        if len(seg):
            out[i] = np.median(seg)
    return out


def bp_goal(runs):
    finals = []
    for r in runs:
        v = r["val"][np.isfinite(r["val"])]
        if len(v) == 0:
            sys.exit(f"plot_sweep.py: {r['path']} has no validation MAE")
        finals.append(float(np.median(v[-max(1, len(v) // 10):])))
    return float(np.median(finals)), finals


def reached(run, goal):
    """(generations, wall seconds) to the goal, or None."""
    m = running_median(run["val"], WINDOW)
    hit = np.nonzero(m <= goal)[0]
    if len(hit) == 0:
        return None
    g = int(hit[0])
    return g + 1, float(run["wall"][g])


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    folder = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else folder.rstrip("/") + ".png"
    runs = [read(p) for p in sorted(glob.glob(os.path.join(folder, "*.h5")))]
    bp = [r for r in runs if r["method"] == "bp"]
    es = [r for r in runs if r["method"] == "es"]
    if not bp:
        sys.exit(f"plot_sweep.py: no BP reference run (method bp) in {folder}")
    if not es:
        sys.exit(f"plot_sweep.py: no ES run in {folder}")
    goal, finals = bp_goal(bp)

    cells = {}  # (S, sigma) -> list of (generations, wall s), inf where not reached
    for r in es:
        s, sigma = int(r["cfg"]["es.population"]), float(r["cfg"]["es.sigma"])
        cells.setdefault((s, sigma), []).append(reached(r, goal) or (np.inf, np.inf))
    print(f"goal (BP's final validation MAE, median over {len(bp)} seed(s)): {goal:.6g}"
          f"  [per seed: {', '.join(f'{x:.4g}' for x in finals)}]")
    print()
    print("| S | sigma | runs | reached | median generations | median wall s |")
    print("|---|---|---|---|---|---|")
    summary = {}
    for (s, sigma) in sorted(cells):
        c = cells[(s, sigma)]
        gens = np.array([x[0] for x in c], dtype=float)
        walls = np.array([x[1] for x in c], dtype=float)
        n_hit = int(np.isfinite(gens).sum())
        g_med, w_med = float(np.median(gens)), float(np.median(walls))
        print(f"| {s} | {sigma:g} | {len(c)} | {n_hit} | "
              f"{g_med:.0f} | {w_med:.1f} |" if np.isfinite(g_med) else
              f"| {s} | {sigma:g} | {len(c)} | {n_hit} | not reached | - |")
        best = summary.get(s)
        if best is None or (g_med, w_med) < (best[1], best[2]):
            summary[s] = (sigma, g_med, w_med)
    print()
    print("| S | best sigma | generations to goal | wall s to goal |")
    print("|---|---|---|---|")
    for s in sorted(summary):
        sigma, g, w = summary[s]
        print(f"| {s} | {sigma:g} | {g:.0f} | {w:.1f} |" if np.isfinite(g) else
              f"| {s} | none reached | - | - |")

    fig, ax = plt.subplots(1, 3, figsize=(16, 4.5))
    ss = np.array(sorted(summary))
    g = np.array([summary[s][1] for s in ss])
    w = np.array([summary[s][2] for s in ss])
    sig = np.array([summary[s][0] for s in ss])
    ok = np.isfinite(g)
    ax[0].loglog(ss[ok], g[ok], "o-", color="C0", label="ES, best sigma")
    ax[0].set(xlabel="population S", ylabel="generations to BP's final MAE",
              title="Generations to the goal (Fig. 5B)")
    ax[1].loglog(ss[ok], w[ok], "o-", color="C1", label="ES, best sigma")
    bp_wall = float(np.median([r["wall"][-1] for r in bp]))
    ax[1].axhline(bp_wall, color="k", ls="--", label=f"BP, {len(bp[0]['val'])} generations")
    ax[1].set(xlabel="population S", ylabel="wall seconds to BP's final MAE",
              title="Wall time to the goal")
    ax[2].loglog(ss[ok], sig[ok], "o-", color="C2")
    ax[2].set(xlabel="population S", ylabel="best sigma", title="Best sigma per S (Fig. 5C)")
    for a in ax[:2]:
        a.legend()
    fig.suptitle(f"Task C sweep: goal = BP's final validation MAE {goal:.3g}; "
                 f"{len(es)} ES runs, {len(bp)} BP")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print()
    print(f"figure: {out}")


if __name__ == "__main__":
    main()
