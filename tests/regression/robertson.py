#!/usr/bin/python3
"""Independent reference for the task D truth: Robertson's kinetics solved with SciPy's Radau.

  y1' = -k1 y1 + k3 y2 y3,  y2' = k1 y1 - k3 y2 y3 - k2 y2^2,  y3' = k2 y2^2,
  k = (0.04, 3e7, 1e4),  y(0) = (1, 0, 0),  50 times 10**linspace(-5, 5, 50)

Radau (order 5, implicit) at rtol 1e-12 with per-species atol (1e-16, 1e-22, 1e-16): far below
every value on the grid (y2 >= 7e-8, y3 >= 1.6e-11), so each entry carries ~10 correct digits.
--write FILE  writes all 50 rows as "index t y1 y2 y3";
--check FILE  re-solves and fails unless FILE still agrees with SciPy to 1e-9 (relative, per entry).
The C++ test tests/unit/test_robertson.cpp compares esbio's BDF truth against FILE.
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp

K1, K2, K3 = 0.04, 3e7, 1e4


def rhs(_t, y):
    return [-K1 * y[0] + K3 * y[1] * y[2],
            K1 * y[0] - K3 * y[1] * y[2] - K2 * y[1] ** 2,
            K2 * y[1] ** 2]


def jac(_t, y):
    return [[-K1, K3 * y[2], K3 * y[1]],
            [K1, -K3 * y[2] - 2 * K2 * y[1], -K3 * y[1]],
            [0.0, 2 * K2 * y[1], 0.0]]


def reference():
    t = 10.0 ** np.linspace(-5, 5, 50)
    sol = solve_ivp(rhs, (0.0, t[-1]), [1.0, 0.0, 0.0], method="Radau", t_eval=t, jac=jac,
                    rtol=1e-12, atol=[1e-16, 1e-22, 1e-16])
    assert sol.success, sol.message
    return np.column_stack([np.arange(50), t, sol.y.T])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit("usage: robertson.py --write|--check FILE")
    rows = reference()
    if sys.argv[1] == "--write":
        with open(sys.argv[2], "w") as f:
            f.write("# index t y1 y2 y3  (scipy Radau, rtol 1e-12, atol 1e-16, 1e-22, 1e-16)\n")
            for r in rows:
                f.write(f"{int(r[0])} {r[1]:.17g} {r[2]:.17g} {r[3]:.17g} {r[4]:.17g}\n")
        return
    saved = np.loadtxt(sys.argv[2])
    worst = np.max(np.abs(saved - rows) / np.maximum(np.abs(rows), 1e-300))
    print(f"max relative deviation of the stored reference from a fresh SciPy solve: {worst:.3g}")
    sys.exit(0 if worst < 1e-9 else 1)


if __name__ == "__main__":
    main()
