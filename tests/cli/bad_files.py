#!/usr/bin/python3
"""Bad network and dataset files for tests/cli/bad_files.sh, one per class of problem
(docs/network-files.md), each a copy of a good pair (net.h5, data.h5 from `esbio export`) with
one thing wrong. Writes net_*.h5 and data_*.h5 in the working directory."""
import shutil
import sys

import h5py
import numpy as np


def copy(src, dst):
    shutil.copyfile(src, dst)
    return h5py.File(dst, "r+")


def replace(f, name, data):
    del f[name]
    f[name] = data


def main():
    net, data = "net.h5", "data.h5"
    n = h5py.File(net, "r")["recurrent/W"].shape[0]
    trials = h5py.File(data, "r")["labels"].shape[0]

    # The network file.
    with copy(net, "net_foreign.h5") as f:
        f.attrs["format"] = "brian2-network"
    with copy(net, "net_newer.h5") as f:
        f.attrs["version"] = 2
    with copy(net, "net_no_w.h5") as f:
        del f["recurrent/W"]
    with copy(net, "net_misnamed.h5") as f:
        f["recurrent/weights"] = f["recurrent/W"][()]
        del f["recurrent/W"]
    with copy(net, "net_shape.h5") as f:
        replace(f, "recurrent/W", np.zeros((n, n + 1)))
    with copy(net, "net_rank.h5") as f:
        replace(f, "readout/b", np.zeros((3, 1)))
    with copy(net, "net_string_count.h5") as f:
        f["populations/neurons"].attrs["count"] = str(n)
    with copy(net, "net_fraction_count.h5") as f:
        f["populations/neurons"].attrs["count"] = n + 0.5
    with copy(net, "net_nan_weight.h5") as f:
        w = f["recurrent/W"][()]
        w[1, 2] = np.nan
        replace(f, "recurrent/W", w)
    with copy(net, "net_inf_param.h5") as f:
        f["populations/neurons"].attrs["gK"] = np.inf
    with copy(net, "net_negative_c.h5") as f:
        f["populations/neurons"].attrs["C"] = -20.0
    with copy(net, "net_negative_g.h5") as f:
        # Heterogeneous: one value per neuron, the third negative.
        del f["populations/neurons"].attrs["gCa"]
        f["populations/neurons/gCa"] = np.r_[4.0, 4.0, -4.0, np.full(n - 3, 4.0)]
    with copy(net, "net_mask.h5") as f:
        m = np.ones((n, n))
        m[0, 1] = 0.5
        f["recurrent/mask"] = m
    with copy(net, "net_model.h5") as f:
        f["populations/neurons"].attrs["model"] = "izhikevich"
    with copy(net, "net_channels.h5") as f:
        replace(f, "input/W", f["input/W"][()][:-1])
    with copy(net, "net_huge.h5") as f:
        # A declared shape of 2^31 x 2^31 float64, nothing stored: refused before any read.
        del f["recurrent/W"]
        f.create_dataset("recurrent/W", shape=(2**31, 2**31), dtype="f8", chunks=(1, 1024))
    with open("net_text.h5", "w") as f:
        f.write("W = [[0, 1], [1, 0]]\n")
    # The dataset file.
    with copy(data, "data_foreign.h5") as f:
        f.attrs["format"] = "tonic"
    with copy(data, "data_newer.h5") as f:
        f.attrs["version"] = 7
    with copy(data, "data_no_inputs.h5") as f:
        del f["inputs"]
    with copy(data, "data_rank.h5") as f:
        x = f["inputs"][()]
        replace(f, "inputs", x.reshape(x.shape[0], -1))
    with copy(data, "data_float_labels.h5") as f:
        replace(f, "labels", f["labels"][()].astype(np.float64))
    with copy(data, "data_nan_input.h5") as f:
        x = f["inputs"][()]
        x[trials - 1, 3, 2] = np.nan
        replace(f, "inputs", x)
    with copy(data, "data_inf_input.h5") as f:
        x = f["inputs"][()]
        x[0, 0, 0] = -np.inf
        replace(f, "inputs", x)
    with copy(data, "data_label_range.h5") as f:
        y = f["labels"][()]
        y[5] = 3
        replace(f, "labels", y)
    with copy(data, "data_empty_split.h5") as f:
        replace(f, "split", np.zeros(trials, dtype=np.int64))
    with copy(data, "data_channels.h5") as f:
        replace(f, "inputs", f["inputs"][()][:, :, :-1])
    with copy(data, "data_huge.h5") as f:
        del f["inputs"]
        f.create_dataset("inputs", shape=(trials, 2**20, 2**20), dtype="f4",
                         chunks=(1, 1, 1024))
    with copy(data, "data_dt.h5") as f:
        f.attrs["dt_ms"] = 0.0
    with open("data_text.h5", "wb") as f:
        f.write(b"trial,label\n0,1\n")


if __name__ == "__main__":
    main()
