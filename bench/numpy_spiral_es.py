#!/usr/bin/python3
"""Task C's ES protocol in plain numpy/scipy/mpi4py: the reference beside which esbio's
generation time is measured (bench/RESULTS.md, "Task C against numpy/scipy").

The paper's settings (docs/science.md 2.3): the cubic spiral learned by f(y) = W2 tanh(W1 y^3),
H = 1000, 20 windows of 10 points per generation from 1000 observations on [0, 25]; song with
S = 500 (member 0 the centre), sigma = 0.01, raw losses, one layer perturbed per generation in
alternation, RMSprop lr 1e-3 (alpha 0.99, eps 1e-8) per layer. As a numpy user would write it
(and as the paper's dopri5 call did), a member's 20 windows are one stacked 40-state system,
solved with scipy's RK45 at rtol = atol = 1e-4. Members are split over the MPI ranks by index;
each rank draws its members' noise from (seed, generation, member), rank 0 regenerates all of it
for the update and broadcasts theta. The random streams are numpy's, not esbio's, so the learning
curve is the same protocol, not the same numbers.

    mpirun -np 2 /usr/bin/python3 bench/numpy_spiral_es.py [--generations 20] [--population 500]

prints seconds per generation (median from the fourth generation on) and the validation MAE.
"""
import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core per rank, as esbio
import numpy as np  # noqa: E402
from mpi4py import MPI  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

A = np.array([[-0.1, 2.0], [-2.0, -0.1]])


def truth(points, t_end):
    t = np.linspace(0, t_end, points)
    sol = solve_ivp(lambda _t, y: (y ** 3) @ A, (0, t_end), [2.0, 0.0], t_eval=t,
                    method="DOP853", rtol=1e-10, atol=1e-12)
    return t, sol.y.T


def window_loss(w1, w2, starts, t, y_true, window, tol):
    """MAE of one member over the batch: all windows as one stacked system."""
    y0 = y_true[starts].reshape(-1)
    b = len(starts)

    def field(_t, y):
        u = y.reshape(b, 2) ** 3
        return (np.tanh(u @ w1.T) @ w2.T).reshape(-1)

    sol = solve_ivp(field, (t[0], t[window - 1]), y0, t_eval=t[:window], method="RK45",
                    rtol=tol, atol=tol)
    if not sol.success:
        return np.inf
    pred = sol.y.reshape(b, 2, window)  # window b, component, time
    idx = starts[:, None] + np.arange(window)[None, :]
    target = y_true[idx].transpose(0, 2, 1)
    return float(np.mean(np.abs(pred - target)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=20)
    ap.add_argument("--population", type=int, default=500)
    ap.add_argument("--sigma", type=float, default=0.01)
    ap.add_argument("--hidden", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    points, window, batch, t_end = 1000, 10, 20, 25.0
    t, y_true = truth(points, t_end)
    init = np.random.default_rng([a.seed, 0])
    shapes = {"W1": (a.hidden, 2), "W2": (2, a.hidden)}
    # esbio's initial ranges (spiral_task.cpp): W1 ~ U(+-1/sqrt(H)), W2 ~ U(+-1/sqrt(2)).
    b1, b2 = 1 / np.sqrt(a.hidden), 1 / np.sqrt(2)
    theta = {"W1": init.uniform(-b1, b1, shapes["W1"]), "W2": init.uniform(-b2, b2, shapes["W2"])}
    sq = {k: np.zeros(v) for k, v in shapes.items()}
    val_starts = np.random.default_rng([a.seed, 1, 2 ** 31]).choice(points - window, batch,
                                                                    replace=False)
    walls, val = [], np.nan
    for g in range(a.generations):
        comm.Barrier()
        start = time.perf_counter()
        block = "W1" if g % 2 == 0 else "W2"
        starts = np.random.default_rng([a.seed, 1, g]).choice(points - window, batch,
                                                              replace=False)

        def noise(m):
            return np.random.default_rng([a.seed, 2, g, m]).standard_normal(shapes[block])

        mine = np.zeros(a.population + 1)
        for m in range(rank, a.population + 1, size):  # member 0: the centre
            p = dict(theta)
            if m > 0:
                p[block] = theta[block] + a.sigma * noise(m)
            mine[m] = window_loss(p["W1"], p["W2"], starts, t, y_true, window, a.tol)
        losses = np.zeros_like(mine)
        comm.Allreduce(mine, losses)  # each member's loss from exactly one rank
        if rank == 0:
            grad = np.zeros(shapes[block])
            for m in range(1, a.population + 1):
                grad += losses[m] * noise(m)
            grad /= a.population * a.sigma
            sq[block] = 0.99 * sq[block] + 0.01 * grad ** 2
            theta[block] = theta[block] - a.lr * grad / (np.sqrt(sq[block]) + 1e-8)
            val = window_loss(theta["W1"], theta["W2"], val_starts, t, y_true, window, a.tol)
        theta = comm.bcast(theta)
        walls.append(time.perf_counter() - start)
        if rank == 0 and (g + 1) % 10 == 0:
            print(f"generation {g + 1}: train MAE (centre) {losses[0]:.5g}  validation {val:.5g}",
                  flush=True)
    if rank == 0:
        print(f"numpy/scipy ES, {size} ranks, S = {a.population}, H = {a.hidden}: "
              f"{np.median(walls[3:]):.4f} s per generation (median of generations 4-"
              f"{a.generations}), validation MAE {val:.5g}")


if __name__ == "__main__":
    main()
