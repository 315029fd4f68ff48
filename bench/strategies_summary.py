#!/usr/bin/python3
"""Tables of bench/strategies.sh's runs (bench/RESULTS.md, "Strategies").

Task C: BP's final validation MAE (the mean of its last 50 generations) is the goal; for every ES
run, the first generation whose validation MAE is at or below it, and the wall time to there.
Task D: the scaled MAE at the end (mean of the last 1 % of generations' batch loss, which for
task D is the whole trajectory) and the evaluations spent.

    /usr/bin/python3 bench/strategies_summary.py runs/strategies
"""
import pathlib
import sys

import h5py
import numpy as np


def history(path):
    with h5py.File(path, "r") as f:
        h = {k: f["history"][k][:] for k in f["history"]}
        cfg = dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())
        status = f.attrs["status"]
    return h, cfg, status


def main(folder):
    folder = pathlib.Path(folder)
    bp_file = folder / "spiral-bp.h5"
    if bp_file.exists():
        h, _, status = history(bp_file)
        goal = float(np.nanmean(h["validation_loss"][-50:]))
        print(f"task C: BP final validation MAE {goal:.5f} ({len(h['loss'])} generations, {status})")
        print(f"{'strategy':10} {'generations':>11} {'to goal':>8} {'wall s':>8} {'final MAE':>10}")
        for run in sorted(folder.glob("spiral-*.h5")):
            if run == bp_file:
                continue
            h, cfg, status = history(run)
            v = h["validation_loss"]
            hit = np.nonzero(v <= goal)[0]
            reach = int(hit[0]) + 1 if hit.size else None
            wall = float(np.sum(h["wall_s"][:reach])) if reach else None
            to_goal = str(reach) if reach else ">" + str(len(v))
            wall_s = str(round(wall)) if wall is not None else "-"
            print(f"{cfg['es.strategy']:10} {len(v):11d} {to_goal:>8} {wall_s:>8}"
                  f" {np.nanmean(v[-50:]):10.5f}  {status}")
    runs = sorted(folder.glob("robertson-*.h5"))
    if runs:
        print("task D: scaled MAE at equal evaluations")
        print(f"{'strategy':10} {'evaluations':>11} {'generations':>11} {'final MAE':>10} {'failures':>8}")
        for run in runs:
            h, cfg, status = history(run)
            k = max(1, len(h["loss"]) // 100)
            print(f"{cfg['es.strategy']:10} {int(np.sum(h['evaluations'])):11d} {len(h['loss']):11d}"
                  f" {np.mean(h['loss'][-k:]):10.4f} {int(np.sum(h['failures'])):8d}  {status}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/strategies")
