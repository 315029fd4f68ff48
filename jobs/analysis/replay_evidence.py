#!/usr/bin/python3
"""Recompute task B's trajectories from an `esbio simulate` traces file alone, outside esbio.

    /usr/bin/python3 jobs/analysis/replay_evidence.py TRACES.h5 [--trials K]

The traces file holds everything a trajectory depends on: the resolved configuration (root
attribute `config`), the parameters (`/traces/theta`, blocks W_inp 50xN, W_rec NxN, W_ro 3xN,
b_ro 3 in that order, row-major), the word embeddings, each trial's tokens and initial state (V0,
w0 as drawn, in float64; V0 is also regenerated from the seed by esbio_random.py). This script integrates the paper's fixed-step scheme (docs/science.md
1.4) in float64 numpy, written from the equations rather than from esbio's kernel, and compares
V at every token boundary, the readout features, the logits and the spikes with what esbio wrote.
It prints the differences and exits 1 if they exceed what the precision allows: 1e-8 mV for a
float64 run (the kernel's rearranged formulas agree to 9e-11 mV), 0.5 mV for float32 (rounding the
state alone moves the worst V by 0.017 mV, docs/science.md 1.4). Only the fixed-step path with
current coupling is replayed; the BDF path's reference is tests/regression/ml_network.py.
"""
import argparse
import sys

import h5py
import numpy as np

from esbio_random import VALIDATION, normals, stream

SPIKE_MV = 0.0  # esbio's spike: the first step at or above 0 mV after one below it


def config_of(f):
    return dict(line.split(" = ", 1) for line in f.attrs["config"].splitlines())


def replay(cfg, theta, embeddings, tokens, v0, w0):
    """V at every token boundary (trials x 51 x N), features (trials x N) and spikes."""
    num = lambda k: float(cfg[k])
    n = int(cfg["task.neurons"])
    c, gca, eca = num("neuron.C"), num("neuron.gCa"), num("neuron.ECa")
    gk, ek, gl, el = num("neuron.gK"), num("neuron.EK"), num("neuron.gL"), num("neuron.EL")
    v1, v2, v3, v4, phi = (num("neuron.V1"), num("neuron.V2"), num("neuron.V3"),
                           num("neuron.V4"), num("neuron.phi"))
    iapp, gain, bias = num("network.iapp"), num("network.input_gain"), num("network.input_bias")
    vt, kp, dt = num("network.vt"), num("network.kp"), num("task.dt")
    token_steps = round(num("task.token_ms") / dt)
    readout_steps = round(num("task.readout_ms") / dt)
    w_inp = theta[: 50 * n].reshape(50, n)
    w_rec = theta[50 * n: 50 * n + n * n].reshape(n, n)
    drive_of_word = embeddings @ w_inp  # vocabulary x N
    trials, n_tokens = tokens.shape
    steps = token_steps * n_tokens
    v, w = v0.copy(), w0.copy()
    t_out = np.zeros_like(v)  # the coupling is lagged one step and starts from T = 0
    boundaries = [v.copy()]
    features = np.zeros_like(v)
    spikes = []
    for k in range(steps):
        if k > 0 and k % token_steps == 0:
            boundaries.append(v.copy())
        z = drive_of_word[tokens[:, k // token_steps]] + t_out @ w_rec
        m = 0.5 * (1 + np.tanh((v - v1) / v2))
        winf = 0.5 * (1 + np.tanh((v - v3) / v4))
        tau = 1 / (phi * np.cosh((v - v3) / (2 * v4)))
        w = (winf * dt + (tau - dt / 2) * w) / (tau + dt / 2)
        g = (gca * m + gk * w + gl) / c
        e = (gca * eca * m + gk * ek * w + gl * el) / c
        current = ((iapp + z) * gain + bias) / c
        v_next = (v * (1 - dt / 2 * g) + dt * (e + current)) / (1 + dt / 2 * g)
        up = np.nonzero((v_next >= SPIKE_MV) & (v < SPIKE_MV))
        spikes.append(np.stack([up[0], up[1], np.full(up[0].size, k + 1)], axis=1))
        v = v_next
        t_out = 1 / (1 + np.exp(-(v - vt) / kp))
        if k >= steps - readout_steps:
            features += t_out
    boundaries.append(v.copy())
    return np.stack(boundaries, axis=1), features / readout_steps, np.concatenate(spikes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("traces")
    ap.add_argument("--trials", type=int, default=0, help="replay the first K trials (0: all)")
    a = ap.parse_args()
    with h5py.File(a.traces, "r") as f:
        if f.attrs.get("format") != "esbio-traces-1" or "V0" not in f.get("traces", {}):
            sys.exit(f"replay_evidence.py: {a.traces} is not a task B traces file of this esbio")
        cfg, t = config_of(f), {k: f["traces"][k][()] for k in f["traces"]}
        batch = f.attrs["batch"]
    if cfg["task.integrator"] != "fixed" or cfg["network.synapse"] != "current":
        sys.exit("replay_evidence.py: only the fixed-step scheme with current coupling is replayed")
    k = a.trials or t["tokens"].shape[0]
    n = int(cfg["task.neurons"])
    # The initial voltages from the seed alone (docs/design.md 4.1): stream trial_state, the
    # batch's generation, member 0 (the centre, as esbio simulate integrates it).
    generation = VALIDATION if batch == "validation" else int(batch.split()[1])
    trials = t["tokens"].shape[0]
    z = normals(int(cfg["run.seed"]), stream.TRIAL_STATE, generation, 0, trials * n)
    v0 = float(cfg["task.trial_v0_mean"]) + float(cfg["task.trial_v0_sd"]) * z.reshape(trials, n)
    dv0 = np.abs(v0 - t["V0"]).max()
    print(f"initial voltages regenerated from run.seed {cfg['run.seed']}: max |dV0| {dv0:.3g} mV")
    v, feats, spikes = replay(cfg, t["theta"], t["embeddings"], t["tokens"][:k].astype(int),
                              t["V0"][:k], t["w0"][:k])
    w_ro = t["theta"][50 * n + n * n: 50 * n + n * n + 3 * n].reshape(3, n)
    b_ro = t["theta"][-3:]
    logits = feats @ w_ro.T + b_ro
    dv = np.abs(v - t["V"][:k]).max()
    df = np.abs(feats - t["features"][:k]).max()
    dl = np.abs(logits - t["logits"][:k]).max()
    theirs = t["spike_trial"] < k
    mine = {tuple(s) for s in spikes.tolist()}
    esbio = set(zip(t["spike_trial"][theirs].astype(int).tolist(),
                    t["spike_neuron"][theirs].astype(int).tolist(),
                    np.rint(t["spike_time"][theirs] / float(cfg["task.dt"])).astype(int).tolist()))
    tolerance = 1e-8 if cfg.get("task.precision", "float64") == "float64" else 0.5
    print(f"{k} trials x {n} neurons, {cfg.get('task.precision', 'float64')}: "
          f"max |dV| {dv:.3g} mV at token boundaries (tolerance {tolerance:g}), "
          f"max |d features| {df:.3g}, max |d logits| {dl:.3g}; spikes {len(mine)} here, "
          f"{len(esbio)} in the traces, {len(mine ^ esbio)} differ")
    same_labels = (np.argmax(logits, 1) == np.argmax(t["logits"][:k], 1)).mean()
    print(f"same predicted class in {same_labels:.1%} of trials")
    ok = dv0 <= 1e-9 and dv <= tolerance and (tolerance > 1e-8 or mine == esbio)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
