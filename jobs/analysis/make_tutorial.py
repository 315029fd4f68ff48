#!/usr/bin/python3
"""Write the tutorial's network file and dataset file (docs/tutorial.md, docs/network-files.md).

usage: /usr/bin/python3 jobs/analysis/make_tutorial.py [--reduced] [--seed S] [--out-dir DIR]

The network: Morris-Lecar neurons, 80 % excitatory and 20 % inhibitory (Dale's law through
/recurrent/sign), each connection present with probability 0.2 (/recurrent/mask), coupled by
current. The task, context-dependent integration (Mante, Sussillo, Shenoy & Newsome 2013):
two noisy evidence channels ("motion" and "colour") and a context cue saying which one counts;
the label is the sign of the cued channel's mean. The two channels' signs are drawn
independently, so a network that ignores the cue is right on at most 75 % of the trials.

Full size (docs/tutorial.md): 32 neurons, 150 ms trials, 2000 training, 200 validation and 200
test trials. --reduced (jobs/local/quickstart.sh): 20 neurons, 100 ms trials, 1000 training and
100 validation trials. Writes DIR/tutorial_network.h5 and DIR/tutorial_data.h5 (with --reduced,
quickstart_network.h5 and quickstart_data.h5); the same --seed gives the same bytes of data.
"""
import argparse
import os

import h5py
import numpy as np

# The sizes of the two variants. Trials are built from samples of dt_ms held constant; the
# fixed-step scheme and BDF both restart the drive at each sample boundary.
SIZES = {
    "full": dict(neurons=32, trial_ms=150, fixation_ms=20, train=2000, validation=200, test=200),
    "reduced": dict(neurons=20, trial_ms=100, fixation_ms=20, train=1000, validation=100, test=0),
}
DT_MS = 5.0            # one input sample: evidence is resampled every 5 ms
READOUT_MS = 50.0      # the readout averages T(V) over the last 50 ms of a trial
CONNECTION_P = 0.2     # sparse recurrence, as in cortical E/I models
EXCITATORY = 0.8
COHERENCES = np.array([0.2, 0.4, 0.8])  # |mean| of an evidence channel, in input units
NOISE_SD = 0.5         # per-sample noise of each evidence channel


def network(rng, n):
    """The network file's tree, as h5py writes it (see write_network)."""
    n_e = int(round(EXCITATORY * n))
    n_i = n - n_e
    sign = np.r_[np.ones(n_e), -np.ones(n_i)]
    mask = (rng.random((n, n)) < CONNECTION_P).astype(np.float64)
    np.fill_diagonal(mask, 0)  # no autapses
    # Magnitudes only: the sign comes from the presynaptic population. Inhibitory weights are
    # four times the excitatory ones so that, with a quarter as many inhibitory neurons, the
    # recurrent drive starts roughly balanced.
    scale = np.where(sign > 0, 0.05, 0.2)[:, None]
    w = mask * scale * rng.uniform(0.5, 1.5, (n, n))
    channels = 4  # motion evidence, colour evidence, motion cue, colour cue
    w_in = rng.normal(0, 0.5, (channels, n))
    w_out = rng.normal(0, 0.5, (2, n))
    return dict(n_e=n_e, n_i=n_i, sign=sign, mask=mask, W=w, W_in=w_in, W_out=w_out)


def write_network(path, net):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "esbio-network"
        f.attrs["version"] = 1
        pops = f.create_group("populations")
        pops.attrs["order"] = "e, i"
        for name, count in (("e", net["n_e"]), ("i", net["n_i"])):
            g = pops.create_group(name)
            g.attrs["model"] = "morris_lecar"
            g.attrs["count"] = count
            # Task B's start (data/paper/evidence.ini): each trial's V drawn around -20 mV, so
            # trials do not all spike in lockstep at t = 0; w starts at its steady state.
            g.attrs["V0_mean"] = -20.0
            g.attrs["V0_sd"] = 5.0
        rec = f.create_group("recurrent")
        rec.attrs["coupling"] = "current"  # the fixed-step scheme couples by current
        rec["W"] = net["W"]
        rec["mask"] = net["mask"]
        rec["sign"] = net["sign"]
        inp = f.create_group("input")
        # The paper's task B drive: I = (Iapp + x W_in + T(V) W) 36.75 + 39.9, which puts an
        # unstimulated neuron just past its rheobase, firing slowly.
        inp.attrs["gain"] = 36.75
        inp.attrs["offset"] = 39.9
        inp.attrs["Iapp"] = 0.1
        inp["W"] = net["W_in"]
        out = f.create_group("readout")
        out.attrs["variable"] = "spike_indicator"
        out.attrs["window_ms"] = [READOUT_MS, 0.0]
        out.attrs["Vt"] = -3.0
        out.attrs["Kp"] = 8.0
        out["W"] = net["W_out"]
        out["b"] = np.zeros(2)
        tr = f.create_group("trainable")
        tr.attrs["blocks"] = "input.W, recurrent.W, readout.W, readout.b"
        # Magnitudes stay in [0, 1]: Dale's signs cannot flip, and no weight runs away.
        tr.attrs["recurrent.W"] = [0.0, 1.0]


def trials(rng, count, size):
    """(inputs, labels, cued coherences) of `count` context-dependent integration trials."""
    samples = int(round(size["trial_ms"] / DT_MS))
    fixation = int(round(size["fixation_ms"] / DT_MS))
    coh = rng.choice(COHERENCES, (count, 2)) * rng.choice([-1.0, 1.0], (count, 2))
    context = rng.integers(0, 2, count)  # 0: motion counts, 1: colour counts
    x = np.zeros((count, samples, 4))
    noise = rng.normal(0, NOISE_SD, (count, samples - fixation, 2))
    x[:, fixation:, :2] = coh[:, None, :] + noise
    # The cue is on for the whole trial, so the network knows the rule before evidence arrives.
    x[np.arange(count), :, 2 + context] = 1.0
    cued = coh[np.arange(count), context]
    return x, (cued > 0).astype(np.int64), coh, context


def write_data(path, rng, size, seed):
    n = size["train"] + size["validation"] + size["test"]
    x, labels, coh, context = trials(rng, n, size)
    split = np.r_[np.zeros(size["train"]), np.ones(size["validation"]),
                  2 * np.ones(size["test"])].astype(np.int64)
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "esbio-dataset"
        f.attrs["version"] = 1
        f.attrs["dt_ms"] = DT_MS
        f.attrs["source"] = f"jobs/analysis/make_tutorial.py, context-dependent integration, seed {seed}"
        f.create_dataset("inputs", data=x, compression="gzip")
        f["labels"] = labels
        f["split"] = split
        # Not read by esbio (it reads only the names of docs/network-files.md): kept so that the
        # analysis can score accuracy by context and coherence.
        f["coherence"] = coh
        f["context"] = context


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reduced", action="store_true", help="the quickstart's smaller network and data")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs")
    a = p.parse_args()
    size = SIZES["reduced" if a.reduced else "full"]
    name = "quickstart" if a.reduced else "tutorial"
    os.makedirs(a.out_dir, exist_ok=True)
    # Separate streams for the network and the data: changing one's size leaves the other's draws.
    net_seq, data_seq = np.random.SeedSequence(a.seed).spawn(2)
    net = network(np.random.default_rng(net_seq), size["neurons"])
    net_path = os.path.join(a.out_dir, f"{name}_network.h5")
    data_path = os.path.join(a.out_dir, f"{name}_data.h5")
    write_network(net_path, net)
    write_data(data_path, np.random.default_rng(data_seq), size, a.seed)
    print(f"wrote {net_path} ({size['neurons']} neurons: {net['n_e']} E, {net['n_i']} I, "
          f"{int(net['mask'].sum())} connections) and {data_path} ({size['train']} training, "
          f"{size['validation']} validation, {size['test']} test trials of {size['trial_ms']} ms)")


if __name__ == "__main__":
    main()
