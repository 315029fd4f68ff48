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
        # OpenAI-ES is the reference: its loss after as many evaluations as each run made, and
        # how many evaluations each run needed to reach OpenAI-ES's final loss.
        ref = folder / "robertson-openai.h5"
        ref_h = history(ref)[0] if ref.exists() else None
        ref_evals = np.cumsum(ref_h["evaluations"]) if ref_h is not None else None
        ref_final = float(np.mean(ref_h["loss"][-50:])) if ref_h is not None else float("nan")
        print(f"task D: scaled MAE; OpenAI-ES's final (mean of its last 50 generations) {ref_final:.4f}")
        print(f"{'strategy':10} {'evaluations':>11} {'generations':>11} {'final MAE':>10}"
              f" {'openai then':>11} {'evals to openai final':>22} {'failures':>8}")
        for run in runs:
            h, cfg, status = history(run)
            k = max(1, len(h["loss"]) // 100)
            evals = np.cumsum(h["evaluations"])
            then = "-"
            if ref_h is not None and len(evals):
                i = min(int(np.searchsorted(ref_evals, evals[-1])), len(ref_evals) - 1)
                then = f"{ref_h['loss'][i]:.4f}"
            hit = np.nonzero(h["loss"] <= ref_final)[0]
            reach = str(int(evals[hit[0]])) if hit.size else ">" + str(int(evals[-1]) if len(evals) else 0)
            print(f"{cfg['es.strategy']:10} {int(evals[-1]) if len(evals) else 0:11d} {len(h['loss']):11d}"
                  f" {np.mean(h['loss'][-k:]):10.4f} {then:>11} {reach:>22}"
                  f" {int(np.sum(h['failures'])):8d}  {status}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/strategies")
