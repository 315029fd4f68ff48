#!/usr/bin/python3
"""Independent reference for a network of Hodgkin-Huxley neurons with conductance synapses
(docs/network-files.md, docs/science.md 1.2 and 1.5), solved with SciPy's Radau token by token
(the drive is piecewise constant).

N = 5 neurons: population e (3, E_syn = 0 mV, alpha = 2, beta = 0.2 1/ms) and population i
(2, E_syn = -75 mV, alpha = 3, beta = 0.15), W[j, i] ~ U(0, 0.6) off the diagonal, syn_gain 0.5;
input current (Iapp + d_i) * 3 + 4.5 with ten tokens of 10 ms whose drives d ~ U(0, 2) (4.5 to
10.5 uA/cm^2: below and above the rheobase); T(V) = sigmoid(V / 4). V0 = -65 + N(0, 9) with the
gates at their steady state there and s0 = 0; output every 0.5 ms on (0, 100] ms.
--write FILE  stores the inputs and the trajectory; --check FILE  fails unless FILE still agrees.
tests/unit/test_network.cpp integrates the same network with esbio's BDF and compares.
"""
import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hh_neuron import P, rates  # noqa: E402  the single neuron's equations, one source

N, TOKENS, TOKEN_MS = 5, 10, 10.0
GAIN, OFFSET, VT, KP, SYN_GAIN = 3.0, 4.5, 0.0, 4.0, 0.5
E_SYN = np.array([0.0, 0.0, 0.0, -75.0, -75.0])
ALPHA = np.array([2.0, 2.0, 2.0, 3.0, 3.0])
BETA = np.array([0.2, 0.2, 0.2, 0.15, 0.15])


def rhs(_t, y, w, drive):
    v, m, h, n, s = (y[k * N:(k + 1) * N] for k in range(5))
    am, bm, ah, bh, an, bn = (np.array(r) for r in zip(*[rates(x) for x in v]))
    t_out = 1 / (1 + np.exp(-(v - VT) / KP))
    syn = SYN_GAIN * np.array([np.sum(w[:, i] * s * (E_SYN - v[i])) for i in range(N)])
    current = drive * GAIN + OFFSET + syn
    ionic = (P["gNa"] * m**3 * h * (v - P["ENa"]) + P["gK"] * n**4 * (v - P["EK"]) +
             P["gL"] * (v - P["EL"]))
    return np.concatenate([(current - ionic) / P["C"], am * (1 - m) - bm * m,
                           ah * (1 - h) - bh * h, an * (1 - n) - bn * n,
                           ALPHA * t_out * (1 - s) - BETA * s])


def reference():
    rng = np.random.RandomState(3)
    w = rng.uniform(0, 0.6, size=(N, N))
    np.fill_diagonal(w, 0)
    drives = rng.uniform(0, 2, size=(TOKENS, N))
    v0 = -65 + 3 * rng.standard_normal(N)
    gates = []
    for v in v0:
        am, bm, ah, bh, an, bn = rates(v)
        gates.append((am / (am + bm), ah / (ah + bh), an / (an + bn)))
    gates = np.array(gates).T
    y0 = np.concatenate([v0, gates[0], gates[1], gates[2], np.zeros(N)])
    rows, y = [], y0
    for k in range(TOKENS):
        t0, t1 = k * TOKEN_MS, (k + 1) * TOKEN_MS
        t_eval = np.arange(t0 + 0.5, t1 + 1e-9, 0.5)
        sol = solve_ivp(rhs, (t0, t1), y, method="Radau", t_eval=t_eval, rtol=1e-11, atol=1e-11,
                        args=(w, drives[k]))
        assert sol.success, sol.message
        rows += [np.concatenate([[t], sol.y[:, i]]) for i, t in enumerate(sol.t)]
        y = sol.y[:, -1]
    return w, drives, y0, np.array(rows)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit("usage: hh_network.py --write|--check FILE")
    w, drives, y0, rows = reference()
    if sys.argv[1] == "--write":
        with open(sys.argv[2], "w") as f:
            f.write("# Hodgkin-Huxley network, conductance synapses (scipy Radau rtol=atol=1e-11)\n")
            f.write(f"# line 1: W row-major (presynaptic j, postsynaptic i); next {TOKENS}: token "
                    "drives; next: y0 (V, m, h, n, s; N each); then t and the state\n")
            for arr in [w.ravel(), *drives, y0, *rows]:
                f.write(" ".join(f"{x:.17g}" for x in arr) + "\n")
        return
    lines = [l for l in open(sys.argv[2]) if not l.startswith("#")]
    stored = np.array([[float(x) for x in l.split()] for l in lines[2 + TOKENS:]])
    worst = np.max(np.abs(stored - rows))
    print(f"max deviation of the stored reference from a fresh SciPy solve: {worst:.3g}")
    sys.exit(0 if worst < 1e-6 else 1)


if __name__ == "__main__":
    main()
