#!/usr/bin/python3
"""One ES generation of task B in PyTorch on the CPU, as the paper's framework would run it.

The paper (Hazelden et al. 2023) integrated its recurrent Morris-Lecar network with PyTorch,
batching the whole population on a GPU. This is the same computation on this machine's CPU: the
fixed-step scheme of src/models/ml_network_kernels.cpp, written with the plain formulas (tanh,
cosh, sigmoid, four divisions, as the paper's code did), with no autograd. One generation is
`members` evaluations (S = 100 perturbed members + the validation centre = 101), each 50 trials x
2000 steps (50 tokens of 40 steps, dt = 0.1 ms) of N = 128 neurons, every member with its own W_inp
and W_rec. Per step and member:

    z   = drive + T W_rec                       (50 x 128 times 128 x 128)
    m   = (1 + tanh((V - V1)/V2)) / 2,   wi = (1 + tanh((V - V3)/V4)) / 2
    tau = 1 / (phi cosh((V - V3)/(2 V4)))
    w   = (wi dt + (tau - h) w) / (tau + h)
    g   = (gCa m + gK w + gL)/C,   e = (gCa ECa m + gK EK w + gL EL)/C
    V   = (V (1 - h g) + dt (e + ((Iapp + z) gain + bias)/C)) / (1 + h g)
    T   = sigmoid((V - Vt)/Kp)

Layouts: `loop` evaluates the members one after another (torch.addmm per step); `batched`
integrates `chunk` members at once (torch.baddbmm over a members x 50 x 128 state), the way the
paper batched its population. `--layout auto` times a short run of each and keeps the faster.

    /usr/bin/python3 bench/torch_evidence.py --dtype float32 --mkldnn on [--layout auto]

prints one line `torch ... s_per_generation X` (wall seconds; CPU seconds alongside).
"""
import argparse
import math
import os
import sys
import time

# PyTorch's matrix products go through Debian's libblas.so.3 (OpenBLAS when libopenblas0 is
# installed); give it the same two threads as PyTorch's own pool.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import torch  # noqa: E402

N, TRIALS, TOKENS, TOKEN_STEPS, DT = 128, 50, 50, 40, 0.1
EMBED, VOCAB = 50, 3
P = dict(C=20.0, gCa=4.0, ECa=120.0, gK=8.0, EK=-84.0, gL=2.0, EL=-60.0, V1=-1.2, V2=18.0,
         V3=12.0, V4=17.0, phi=1.0 / 15.0, iapp=0.1, gain=36.75, bias=39.9, vt=-3.0, kp=8.0)


def make_members(members, dtype, seed=0):
    """Inputs of `members` evaluations: weights as initialised by the task, tokens, V0."""
    g = torch.Generator().manual_seed(seed)
    b = 1 / math.sqrt(N)
    w_inp = 0.1 + b * (2 * torch.rand(members, EMBED, N, generator=g, dtype=torch.float64) - 1)
    w_rec = 0.001 + b * (2 * torch.rand(members, N, N, generator=g, dtype=torch.float64) - 1)
    emb = torch.randn(VOCAB, EMBED, generator=g, dtype=torch.float64)
    tokens = torch.randint(0, VOCAB, (TRIALS, TOKENS), generator=g)
    v0 = -20 + 5 * torch.randn(members, TRIALS, N, generator=g, dtype=torch.float64)
    table = torch.einsum("ve,men->mvn", emb, w_inp)  # x W_inp of each word, per member
    # drive[m, tok] is trials x N: the word of each trial's token.
    drive = table[:, tokens.T]  # members x tokens x trials x N
    return w_rec.to(dtype), drive.to(dtype).contiguous(), v0.to(dtype)


def integrate(w_rec, drive, v0, steps):
    """The scheme for a block of members (leading dimension), `steps` steps; readout features."""
    c, h, dt = P["C"], DT / 2, DT
    v = v0.clone()
    w = torch.full_like(v, 0.014173)
    t = torch.zeros_like(v)
    feat = torch.zeros_like(v)
    readout_from = steps - 100
    batched = w_rec.dim() == 3
    for s in range(steps):
        d = drive[:, s // TOKEN_STEPS % TOKENS] if batched else drive[s // TOKEN_STEPS % TOKENS]
        z = torch.baddbmm(d, t, w_rec) if batched else torch.addmm(d, t, w_rec)
        m = 0.5 * (1 + torch.tanh((v - P["V1"]) / P["V2"]))
        wi = 0.5 * (1 + torch.tanh((v - P["V3"]) / P["V4"]))
        tau = 1 / (P["phi"] * torch.cosh((v - P["V3"]) / (2 * P["V4"])))
        w = (wi * dt + (tau - h) * w) / (tau + h)
        g = (P["gCa"] * m + P["gK"] * w + P["gL"]) / c
        e = (P["gCa"] * P["ECa"] * m + P["gK"] * P["EK"] * w + P["gL"] * P["EL"]) / c
        cur = ((P["iapp"] + z) * P["gain"] + P["bias"]) / c
        v = (v * (1 - h * g) + dt * (e + cur)) / (1 + h * g)
        t = torch.sigmoid((v - P["vt"]) / P["kp"])
        if s >= readout_from:
            feat += t
    return feat / 100


def generation(w_rec, drive, v0, layout, chunk, steps):
    members = w_rec.shape[0]
    out = []
    with torch.no_grad():
        if layout == "loop":
            for k in range(members):
                out.append(integrate(w_rec[k], drive[k], v0[k], steps))
        else:
            for k in range(0, members, chunk):
                out.append(integrate(w_rec[k:k + chunk], drive[k:k + chunk], v0[k:k + chunk],
                                     steps))
    return out


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--mkldnn", choices=["on", "off"], default="on")
    ap.add_argument("--layout", choices=["auto", "loop", "batched"], default="auto")
    ap.add_argument("--chunk", type=int, default=0, help="members per batch (0: all, or auto)")
    ap.add_argument("--members", type=int, default=101)
    ap.add_argument("--steps", type=int, default=TOKENS * TOKEN_STEPS)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.backends.mkldnn.enabled = a.mkldnn == "on"
    dtype = getattr(torch, a.dtype)
    w_rec, drive, v0 = make_members(a.members, dtype)

    layout, chunk = a.layout, a.chunk or a.members
    if layout == "auto":
        # A short run of each candidate (200 steps of every member, after a warm-up).
        cands = [("loop", 1)] + [("batched", c) for c in ([a.chunk] if a.chunk else
                                                          (a.members, 25, 10))]
        generation(w_rec[:2], drive[:2], v0[:2], "batched", 2, 20)  # warm-up
        best = None
        for lay, ch in cands:
            wall, _ = timed(lambda: generation(w_rec, drive, v0, lay, ch, 200))
            print(f"#   probe {lay} chunk {ch}: {wall:.2f} s for 200 steps", file=sys.stderr)
            if best is None or wall < best[0]:
                best = (wall, lay, ch)
        _, layout, chunk = best
    else:
        generation(w_rec[:2], drive[:2], v0[:2], "batched", 2, 20)  # warm-up
    wall, cpu = timed(lambda: generation(w_rec, drive, v0, layout, chunk, a.steps))
    scale = TOKENS * TOKEN_STEPS / a.steps
    lay = "loop" if layout == "loop" else f"batched({chunk})"
    print(f"torch {torch.__version__} dtype {a.dtype} mkldnn {a.mkldnn} threads {a.threads} "
          f"layout {lay} members {a.members} steps {a.steps} "
          f"s_per_generation {wall * scale:.2f} cpu_s_per_generation {cpu * scale:.2f}")


if __name__ == "__main__":
    main()
