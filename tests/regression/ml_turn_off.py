#!/usr/bin/python3
"""Independent reference for task A's neuron: Morris-Lecar solved with SciPy's Radau.

The neuron of data/paper/turn_off.ini (type I set, EL = -55, C = 1, I = 100 W) at W = 0.5 from
V0 = -40, w0 = 0.5, output every 5 ms on [0, 200] ms (three spikes and the troughs between).
--write FILE  stores "t V w" rows; --check FILE  fails unless FILE agrees with a fresh solve.
tests/unit/test_turn_off_task.cpp compares esbio's BDF trajectory against FILE.
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp

P = dict(C=1.0, gCa=4.0, ECa=120.0, gK=8.0, EK=-84.0, gL=2.0, EL=-55.0, V1=-1.2, V2=18.0,
         V3=12.0, V4=17.0, phi=1.0 / 15.0)


def rhs(_t, y, current):
    v, w = y
    p = P
    m = 0.5 * (1 + np.tanh((v - p["V1"]) / p["V2"]))
    winf = 0.5 * (1 + np.tanh((v - p["V3"]) / p["V4"]))
    ionic = p["gCa"] * m * (v - p["ECa"]) + p["gK"] * w * (v - p["EK"]) + p["gL"] * (v - p["EL"])
    return [(current - ionic) / p["C"],
            p["phi"] * (winf - w) * np.cosh((v - p["V3"]) / (2 * p["V4"]))]


def reference():
    t = np.linspace(0.0, 200.0, 41)
    sol = solve_ivp(rhs, (0.0, 200.0), [-40.0, 0.5], method="Radau", t_eval=t, rtol=1e-12,
                    atol=1e-12, args=(100 * 0.5,))
    assert sol.success, sol.message
    return np.column_stack([t, sol.y[0], sol.y[1]])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit("usage: ml_turn_off.py --write|--check FILE")
    rows = reference()
    if sys.argv[1] == "--write":
        np.savetxt(sys.argv[2], rows, fmt="%.17g",
                   header="t V w  (Morris-Lecar, task A neuron, W = 0.5; scipy Radau rtol=atol=1e-12)")
        return
    worst = np.max(np.abs(np.loadtxt(sys.argv[2]) - rows))
    print(f"max deviation of the stored reference from a fresh SciPy solve: {worst:.3g}")
    sys.exit(0 if worst < 1e-6 else 1)


if __name__ == "__main__":
    main()
