#!/usr/bin/python3
"""One task B trajectory of a network of Hodgkin-Huxley neurons (docs/science.md 1.5) with
SciPy's BDF and an analytic Jacobian: the reference beside which esbio's CVODE path is timed on
data/beyond/evidence_hh_bdf.ini (bench/RESULTS.md, "Hodgkin-Huxley").

A trial of that configuration's distribution: N = 32 HH neurons coupled by current (I = (Iapp +
x W_inp + T(V) W_rec) * 3 + 4.5, T(V) = sigmoid(V / 4)), W_rec ~ U(0.001 +- 1/sqrt N) with a
fifth of the entries set to 0.001, W_inp ~ U(0.1 +- 1/sqrt N), 50 tokens of 4 ms from 3 words,
V0 = -65 + N(0, 5^2) with the gates at their steady state; each token its own solve (the drive
jumps), as esbio restarts CVODE at every boundary. The Jacobian is the dense 4N x 4N matrix.

    /usr/bin/python3 bench/scipy_hh_network_bdf.py [--rtol 1e-6] [--atol 1e-6] [--reps 3]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

C, GNA, ENA, GK, EK, GL, EL = 1.0, 120.0, 50.0, 36.0, -77.0, 0.3, -54.387
IAPP, GAIN, BIAS, VT, KP = 0.1, 3.0, 4.5, 0.0, 4.0
N, TOKENS, TOKEN_MS, WORDS = 32, 50, 4.0, 3


def vtrap(x):
    """x / (1 - exp(-x)) elementwise, its limit 1 at 0, and its derivative."""
    small = np.abs(x) < 1e-6
    xs = np.where(small, 1.0, x)
    e = np.exp(-xs)
    f = np.where(small, 1 + x / 2, xs / (1 - e))
    df = np.where(small, 0.5, (1 - e - xs * e) / (1 - e) ** 2)
    return f, df


def rates(v):
    am, dam = vtrap((v + 40) / 10)
    dam = dam / 10
    bm = 4 * np.exp(-(v + 65) / 18)
    ah = 0.07 * np.exp(-(v + 65) / 20)
    bh = 1 / (1 + np.exp(-(v + 35) / 10))
    an, dan = vtrap((v + 55) / 10)
    an, dan = 0.1 * an, 0.01 * dan
    bn = 0.125 * np.exp(-(v + 65) / 80)
    d = dict(am=dam, bm=-bm / 18, ah=-ah / 20, bh=bh * (1 - bh) / 10, an=dan, bn=-bn / 80)
    return (am, bm, ah, bh, an, bn), d


def rhs(_t, y, w_rec, drive):
    v, m, h, n = y[:N], y[N:2 * N], y[2 * N:3 * N], y[3 * N:]
    (am, bm, ah, bh, an, bn), _ = rates(v)
    t_out = 1 / (1 + np.exp(-(v - VT) / KP))
    current = (IAPP + drive + t_out @ w_rec) * GAIN + BIAS
    ionic = GNA * m**3 * h * (v - ENA) + GK * n**4 * (v - EK) + GL * (v - EL)
    return np.concatenate([(current - ionic) / C, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
                           an * (1 - n) - bn * n])


def jac(_t, y, w_rec, _drive):
    v, m, h, n = y[:N], y[N:2 * N], y[2 * N:3 * N], y[3 * N:]
    (am, bm, ah, bh, an, bn), d = rates(v)
    t_out = 1 / (1 + np.exp(-(v - VT) / KP))
    dt_dv = t_out * (1 - t_out) / KP
    j = np.zeros((4 * N, 4 * N))
    j[:N, :N] = (GAIN / C) * (dt_dv[:, None] * w_rec).T
    i = np.arange(N)
    j[i, i] += -(GNA * m**3 * h + GK * n**4 + GL) / C
    j[i, N + i] = -3 * GNA * m**2 * h * (v - ENA) / C
    j[i, 2 * N + i] = -GNA * m**3 * (v - ENA) / C
    j[i, 3 * N + i] = -4 * GK * n**3 * (v - EK) / C
    for k, (a, b, x) in enumerate(((am, bm, m), (ah, bh, h), (an, bn, n)), start=1):
        da, db = d[("am", "ah", "an")[k - 1]], d[("bm", "bh", "bn")[k - 1]]
        j[k * N + i, i] = da * (1 - x) - db * x
        j[k * N + i, k * N + i] = -(a + b)
    return j


def trial(seed=0):
    rng = np.random.RandomState(seed)
    b = 1 / np.sqrt(N)
    w_rec = rng.uniform(0.001 - b, 0.001 + b, size=(N, N))
    w_rec[rng.uniform(size=(N, N)) < 0.2] = 0.001
    embed = rng.uniform(0.1 - b, 0.1 + b, size=(WORDS, N))
    tokens = rng.randint(WORDS, size=TOKENS)
    v0 = -65 + 5 * rng.standard_normal(N)
    (am, bm, ah, bh, an, bn), _ = rates(v0)
    y0 = np.concatenate([v0, am / (am + bm), ah / (ah + bh), an / (an + bn)])
    return w_rec, embed[tokens], y0


def solve(w_rec, drives, y0, rtol, atol):
    y, steps, nfev, njev, spikes = y0, 0, 0, 0, 0
    for k in range(TOKENS):
        sol = solve_ivp(rhs, (k * TOKEN_MS, (k + 1) * TOKEN_MS), y, method="BDF", rtol=rtol,
                        atol=atol, jac=jac, args=(w_rec, drives[k]))
        assert sol.success, sol.message
        above = sol.y[:N] > 0
        spikes += int(np.sum(above[:, 1:] & ~above[:, :-1]))
        y = sol.y[:, -1]
        steps += len(sol.t) - 1
        nfev += sol.nfev
        njev += sol.njev
    return y, steps, nfev, njev, spikes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-6)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    w_rec, drives, y0 = trial()
    # The analytic Jacobian against central differences, once, before anything is timed.
    y = y0 + 0.01
    num = np.empty((4 * N, 4 * N))
    for k in range(4 * N):
        e = np.zeros(4 * N)
        e[k] = 1e-6
        num[:, k] = (rhs(0, y + e, w_rec, drives[0]) - rhs(0, y - e, w_rec, drives[0])) / 2e-6
    err = np.max(np.abs(num - jac(0, y, w_rec, drives[0]))) / np.max(np.abs(num))
    if err > 1e-6:
        sys.exit(f"analytic Jacobian differs from differences by {err:.3g}")
    best = float("inf")
    for _ in range(a.reps):
        start = time.perf_counter()
        y, steps, nfev, njev, spikes = solve(w_rec, drives, y0, a.rtol, a.atol)
        best = min(best, time.perf_counter() - start)
    print(f"scipy BDF HH N {N} rtol {a.rtol:g} atol {a.atol:g}: steps {steps} rhs {nfev} "
          f"jacobians {njev} spikes {spikes} seconds {best:.3f}")


if __name__ == "__main__":
    main()
