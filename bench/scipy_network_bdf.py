#!/usr/bin/python3
"""One task B trajectory of the continuous Morris-Lecar network (docs/science.md 1.2) with SciPy's
BDF and an analytic Jacobian: the reference beside which esbio's CVODE path is timed
(bench/RESULTS.md, "The continuous model against SciPy").

A paper-size trial: N = 128 neurons coupled by current, W_rec ~ U(0.001 +- 1/sqrt N) with a fifth
of the entries set to 0.001, W_inp ~ U(0.1 +- 1/sqrt N), 50 tokens of 4 ms drawn from a vocabulary
of 3 words (one embedding row each), V0 = -20 + N(0, 5^2), w0 = 0.014173; each token its own solve
(the drive jumps), as esbio restarts CVODE at every boundary. The Jacobian is the dense 2N x 2N
matrix (coupling block dT/dV W_rec, diagonal neuron blocks).

    /usr/bin/python3 bench/scipy_network_bdf.py [--rtol 1e-6] [--atol 1e-6] [--reps 3]

prints steps, right-hand sides, Jacobians and the best wall time of --reps solves; with
--tight also the largest |V - V_tight| against a solve at rtol = atol = 1e-10.
"""
import argparse
import os
import time

# One core, as esbio's per-trajectory figure (OpenBLAS's threads only contend at N = 128).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

C, GCA, ECA, GK, EK, GL, EL = 20.0, 4.0, 120.0, 8.0, -84.0, 2.0, -60.0
V1, V2, V3, V4, PHI = -1.2, 18.0, 12.0, 17.0, 1.0 / 15.0
IAPP, GAIN, BIAS, VT, KP = 0.1, 36.75, 39.9, -3.0, 8.0
N, TOKENS, TOKEN_MS, WORDS = 128, 50, 4.0, 3


def rhs(_t, y, w_rec, drive):
    v, w = y[:N], y[N:]
    t_out = 1 / (1 + np.exp(-(v - VT) / KP))
    current = (IAPP + drive + t_out @ w_rec) * GAIN + BIAS
    m = 0.5 * (1 + np.tanh((v - V1) / V2))
    winf = 0.5 * (1 + np.tanh((v - V3) / V4))
    ionic = GCA * m * (v - ECA) + GK * w * (v - EK) + GL * (v - EL)
    return np.concatenate([(current - ionic) / C,
                           PHI * (winf - w) * np.cosh((v - V3) / (2 * V4))])


def jac(_t, y, w_rec, _drive):
    v, w = y[:N], y[N:]
    t_out = 1 / (1 + np.exp(-(v - VT) / KP))
    dt_dv = t_out * (1 - t_out) / KP
    m = 0.5 * (1 + np.tanh((v - V1) / V2))
    dm = 0.5 / V2 / np.cosh((v - V1) / V2) ** 2
    winf = 0.5 * (1 + np.tanh((v - V3) / V4))
    dwinf = 0.5 / V4 / np.cosh((v - V3) / V4) ** 2
    ch = np.cosh((v - V3) / (2 * V4))
    sh = np.sinh((v - V3) / (2 * V4))
    j = np.zeros((2 * N, 2 * N))
    # dVdot_i/dV_j = GAIN/C * dT_j/dV_j * W_rec[j, i], plus the neuron's own terms.
    j[:N, :N] = (GAIN / C) * (dt_dv[:, None] * w_rec).T
    d = np.arange(N)
    j[d, d] += -(GCA * (dm * (v - ECA) + m) + GK * w + GL) / C
    j[d, N + d] = -GK * (v - EK) / C
    j[N + d, d] = PHI * (dwinf * ch + (winf - w) * sh / (2 * V4))
    j[N + d, N + d] = -PHI * ch
    return j


def trial(seed=0):
    rng = np.random.RandomState(seed)
    b = 1 / np.sqrt(N)
    w_rec = rng.uniform(0.001 - b, 0.001 + b, size=(N, N))
    w_rec[rng.uniform(size=(N, N)) < 0.2] = 0.001
    embed = rng.uniform(0.1 - b, 0.1 + b, size=(WORDS, N))
    tokens = rng.randint(WORDS, size=TOKENS)
    y0 = np.concatenate([-20 + 5 * rng.standard_normal(N), np.full(N, 0.014173)])
    return w_rec, embed[tokens], y0


def solve(w_rec, drives, y0, rtol, atol):
    y, steps, nfev, njev = y0, 0, 0, 0
    for k in range(TOKENS):
        sol = solve_ivp(rhs, (k * TOKEN_MS, (k + 1) * TOKEN_MS), y, method="BDF", rtol=rtol,
                        atol=atol, jac=jac, args=(w_rec, drives[k]))
        assert sol.success, sol.message
        y = sol.y[:, -1]
        steps += len(sol.t) - 1
        nfev += sol.nfev
        njev += sol.njev
    return y, steps, nfev, njev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-6)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tight", action="store_true")
    a = ap.parse_args()
    w_rec, drives, y0 = trial()
    best = float("inf")
    for _ in range(a.reps):
        start = time.perf_counter()
        y, steps, nfev, njev = solve(w_rec, drives, y0, a.rtol, a.atol)
        best = min(best, time.perf_counter() - start)
    line = (f"scipy BDF N {N} rtol {a.rtol:g} atol {a.atol:g}: steps {steps} rhs {nfev} "
            f"jacobians {njev} seconds {best:.3f}")
    if a.tight:
        yt = solve(w_rec, drives, y0, 1e-10, 1e-10)[0]
        line += f" max|V - V_tight| at 200 ms {np.max(np.abs(y[:N] - yt[:N])):.3g} mV"
    print(line)


if __name__ == "__main__":
    main()
