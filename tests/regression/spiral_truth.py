#!/usr/bin/python3
"""Independent reference for the task C truth: the cubic spiral solved with SciPy's DOP853.

  dy/dt = (y**3) @ A,  A = [[-0.1, 2], [-2, -0.1]],  y(0) = [2, 0],  1000 times on [0, 25]

--write FILE  writes every 37th point (and the last) as "index t y0 y1";
--check FILE  re-solves and fails unless FILE still agrees with SciPy to 1e-9.
The C++ test tests/unit/test_spiral_task.cpp compares esbio's BDF truth against FILE.
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp

A = np.array([[-0.1, 2.0], [-2.0, -0.1]])


def reference():
    t = np.linspace(0.0, 25.0, 1000)
    sol = solve_ivp(lambda _t, y: (y**3) @ A, (0.0, 25.0), [2.0, 0.0], method="DOP853",
                    t_eval=t, rtol=1e-13, atol=1e-13)
    assert sol.success, sol.message
    idx = list(range(0, 1000, 37)) + [999]
    return [(i, t[i], sol.y[0, i], sol.y[1, i]) for i in idx]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit("usage: spiral_truth.py --write|--check FILE")
    rows = reference()
    if sys.argv[1] == "--write":
        with open(sys.argv[2], "w") as f:
            f.write("# index t y0 y1  (scipy DOP853, rtol=atol=1e-13)\n")
            for i, t, a, b in rows:
                f.write(f"{i} {t:.17g} {a:.17g} {b:.17g}\n")
        return
    saved = np.loadtxt(sys.argv[2])
    fresh = np.array(rows)
    worst = np.max(np.abs(saved - fresh))
    print(f"max deviation of the stored reference from a fresh SciPy solve: {worst:.3g}")
    sys.exit(0 if worst < 1e-9 else 1)


if __name__ == "__main__":
    main()
