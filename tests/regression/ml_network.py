#!/usr/bin/python3
"""Independent reference for task B's network: the current-coupled Morris-Lecar network of
docs/science.md 1.2 solved with SciPy's Radau, token by token (the drive is piecewise constant).

N = 6 neurons, W_rec ~ U(0.001 +- 1/sqrt N), three tokens of 4 ms with drives ~ U(-0.2, 0.6),
V0 = -20 + N(0, 25), w0 = 0.014173; output every 0.5 ms on (0, 12] ms.
--write FILE  stores the inputs and the trajectory; --check FILE  fails unless FILE still agrees.
tests/unit/test_ml_network.cpp integrates the same inputs with esbio and compares.
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp

C, GCA, ECA, GK, EK, GL, EL = 20.0, 4.0, 120.0, 8.0, -84.0, 2.0, -60.0
V1, V2, V3, V4, PHI = -1.2, 18.0, 12.0, 17.0, 1.0 / 15.0
IAPP, GAIN, BIAS, VT, KP = 0.1, 36.75, 39.9, -3.0, 8.0
N, TOKENS, TOKEN_MS = 6, 3, 4.0


def rhs(_t, y, w_rec, drive):
    v, w = y[:N], y[N:]
    t_out = 1 / (1 + np.exp(-(v - VT) / KP))
    z = drive + t_out @ w_rec
    current = (IAPP + z) * GAIN + BIAS
    m = 0.5 * (1 + np.tanh((v - V1) / V2))
    winf = 0.5 * (1 + np.tanh((v - V3) / V4))
    ionic = GCA * m * (v - ECA) + GK * w * (v - EK) + GL * (v - EL)
    return np.concatenate([(current - ionic) / C,
                           PHI * (winf - w) * np.cosh((v - V3) / (2 * V4))])


def reference():
    rng = np.random.RandomState(1)
    b = 1 / np.sqrt(N)
    w_rec = rng.uniform(0.001 - b, 0.001 + b, size=(N, N))
    drives = rng.uniform(-0.2, 0.6, size=(TOKENS, N))
    y0 = np.concatenate([-20 + 5 * rng.standard_normal(N), np.full(N, 0.014173)])
    rows, y = [], y0
    for k in range(TOKENS):
        t0, t1 = k * TOKEN_MS, (k + 1) * TOKEN_MS
        t_eval = np.arange(t0 + 0.5, t1 + 1e-9, 0.5)
        sol = solve_ivp(rhs, (t0, t1), y, method="Radau", t_eval=t_eval, rtol=1e-12, atol=1e-12,
                        args=(w_rec, drives[k]))
        assert sol.success, sol.message
        rows += [np.concatenate([[t], sol.y[:, i]]) for i, t in enumerate(sol.t)]
        y = sol.y[:, -1]
    return w_rec, drives, y0, np.array(rows)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit("usage: ml_network.py --write|--check FILE")
    w_rec, drives, y0, rows = reference()
    if sys.argv[1] == "--write":
        with open(sys.argv[2], "w") as f:
            f.write("# Morris-Lecar network reference (scipy Radau rtol=atol=1e-12)\n")
            f.write("# line 1: W_rec row-major; next 3: token drives; next: y0; then t V[6] w[6]\n")
            for arr in [w_rec.ravel(), *drives, y0, *rows]:
                f.write(" ".join(f"{x:.17g}" for x in arr) + "\n")
        return
    lines = [l for l in open(sys.argv[2]) if not l.startswith("#")]
    stored = np.array([float(x) for x in " ".join(lines[5:]).split()]).reshape(-1, 1 + 2 * N)
    worst = np.max(np.abs(stored - rows))
    print(f"max deviation of the stored reference from a fresh SciPy solve: {worst:.3g}")
    sys.exit(0 if worst < 1e-7 else 1)


if __name__ == "__main__":
    main()
