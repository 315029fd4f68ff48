#!/usr/bin/python3
"""Independent reference for the Hodgkin-Huxley neuron: the equations of docs/science.md 1.5
solved with SciPy's Radau.

One neuron at the defaults (6.3 degrees C) from V0 = -65 mV with every gate at its steady state
there, a current step of 10 uA/cm^2 at t = 10 ms (0 before), output every 0.25 ms on [0, 100] ms:
six spikes. The step is integrated as two solves, so no step straddles the discontinuity.
alpha_m and alpha_n are written with expm1, accurate at every V, and take their limits where V is
exactly -40 or -55 (esbio uses exp and a Taylor branch instead: an independent evaluation).
--write FILE  stores "t V m h n" rows; --check FILE  fails unless FILE agrees with a fresh solve.
tests/unit/test_hodgkin_huxley.cpp compares esbio's BDF trajectory against FILE.
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp

P = dict(C=1.0, gNa=120.0, ENa=50.0, gK=36.0, EK=-77.0, gL=0.3, EL=-54.387)
V0, T_STEP, T_END, CURRENT = -65.0, 10.0, 100.0, 10.0


def vtrap(x):
    """x / (1 - exp(-x)), with its limit 1 at x = 0."""
    return 1.0 if x == 0 else x / -np.expm1(-x)


def rates(v):
    am = vtrap((v + 40) / 10)
    bm = 4 * np.exp(-(v + 65) / 18)
    ah = 0.07 * np.exp(-(v + 65) / 20)
    bh = 1 / (1 + np.exp(-(v + 35) / 10))
    an = 0.1 * vtrap((v + 55) / 10)
    bn = 0.125 * np.exp(-(v + 65) / 80)
    return am, bm, ah, bh, an, bn


def rhs(_t, y, current):
    v, m, h, n = y
    p = P
    am, bm, ah, bh, an, bn = rates(v)
    ionic = (p["gNa"] * m**3 * h * (v - p["ENa"]) + p["gK"] * n**4 * (v - p["EK"]) +
             p["gL"] * (v - p["EL"]))
    return [(current - ionic) / p["C"], am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
            an * (1 - n) - bn * n]


def reference():
    am, bm, ah, bh, an, bn = rates(V0)
    y = [V0, am / (am + bm), ah / (ah + bh), an / (an + bn)]
    t = np.linspace(0.0, T_END, 401)
    rows = []
    for (t0, t1, current) in ((0.0, T_STEP, 0.0), (T_STEP, T_END, CURRENT)):
        grid = t[(t >= t0) & (t <= t1)]
        sol = solve_ivp(rhs, (t0, t1), y, method="Radau", t_eval=grid, rtol=1e-12, atol=1e-12,
                        args=(current,))
        assert sol.success, sol.message
        keep = grid > t0 if rows else grid >= t0  # t0 of the second solve is the first's end
        rows.append(np.column_stack([grid[keep], sol.y.T[keep]]))
        y = sol.y[:, -1]
    return np.vstack(rows)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit("usage: hh_neuron.py --write|--check FILE")
    rows = reference()
    if sys.argv[1] == "--write":
        np.savetxt(sys.argv[2], rows, fmt="%.17g",
                   header="t V m h n  (Hodgkin-Huxley, defaults, V0 = -65 at steady gates, "
                   "I = 10 from t = 10; scipy Radau rtol=atol=1e-12)")
        return
    worst = np.max(np.abs(np.loadtxt(sys.argv[2]) - rows))
    print(f"max deviation of the stored reference from a fresh SciPy solve: {worst:.3g}")
    sys.exit(0 if worst < 1e-6 else 1)


if __name__ == "__main__":
    main()
