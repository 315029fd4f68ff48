#!/usr/bin/python3
"""A model of esbio's generation at many ranks, from parts measured on this machine.

The generation (src/dist/mpi_context.cpp, src/train/trainer.cpp) is simulated event by event:

  * n work items in index order (S members x K parts, then the validation parts), each with a
    cost drawn from the measured per-item costs of that kind (bench/src/dispatch.cpp `costs`,
    1 rank, so no contention in them);
  * rank 0 hands items out in index order to whoever returns a result, `queue_depth` items in
    flight per worker; each message it handles costs it `dispatch_s` (measured: the per-item time
    of evaluate() on items that do nothing, `comm`), and a message takes `latency_s` to arrive;
  * with rank0 = compute it evaluates the next item itself whenever no result is waiting, and
    handles what arrived meanwhile after its item;
  * the results' broadcast: a binomial tree, ceil(log2 P) rounds of latency + bytes / bandwidth;
  * then every rank applies the update (the measured time between two evaluate() calls: tell,
    the optimiser step, the next generation's bookkeeping), which no rank count shortens.

Oversubscription (P ranks on C cores, the validation runs): Open MPI's ranks busy-poll, so every
rank holds a core share C / P the whole time: compute, dispatch and update run at speed C / P, and
a message waits for its receiver's next time slice: latency_s is then the measured per-item
dispatch time at that P, which includes it.

Efficiency at P ranks: E = T(1) / (P T(P)), T(1) the simulated single-rank generation (the sum of
the costs plus the update), as the validation measures it: the median generation wall time at 1
rank over P times the median at P ranks.

  /usr/bin/python3 bench/scaling_model.py --measured bench/scaling/ [--plot out.png]
"""
import argparse
import glob
import heapq
import json
import math
import os
import statistics

import numpy as np

EVAL_BYTES = 80  # sizeof(evaluation): the broadcast carries one per item


def simulate(costs, ranks, cores, rank0_computes, depth, dispatch_s, latency_s, bcast, update_s):
    """Wall time of one generation; costs are the items' seconds at full speed, in index order."""
    n = len(costs)
    speed = min(1.0, cores / ranks)
    d = dispatch_s / speed
    if ranks == 1:
        return sum(costs) / speed + update_s / speed
    workers = ranks - 1
    nxt = 0
    t0 = 0.0  # rank 0's clock
    events = []  # (arrival time at rank 0, worker) of results
    # Each worker's queue: the times its items arrive; it runs them back to back.
    free_at = [0.0] * ranks  # when the worker finishes what it holds
    for w in range(1, ranks):
        for _ in range(depth):
            if nxt < n:
                t0 += d
                arrive = t0 + latency_s
                start = max(free_at[w], arrive)
                free_at[w] = start + costs[nxt] / speed
                heapq.heappush(events, (free_at[w] + latency_s, w))
                nxt += 1
            else:
                t0 += d  # the "no more" message
    done = 0
    while done < n:
        # Handle every result that has arrived by now, answering each with the next item.
        while events and events[0][0] <= t0:
            _, w = heapq.heappop(events)
            done += 1
            t0 += d
            if nxt < n:
                arrive = t0 + latency_s
                start = max(free_at[w], arrive)
                free_at[w] = start + costs[nxt] / speed
                heapq.heappush(events, (free_at[w] + latency_s, w))
                nxt += 1
        if done >= n:
            break
        if rank0_computes and nxt < n:
            t0 += costs[nxt] / speed
            nxt += 1
            done += 1
        elif events:
            t0 = max(t0, events[0][0])
        else:
            break
    rounds = math.ceil(math.log2(ranks))
    return t0 + rounds * bcast(n * EVAL_BYTES) / speed + update_s / speed


def load_costs(path):
    with open(path) as f:
        run = json.load(f)
    gens = run["generations"]
    # The first generation pays one-off costs (allocation, first touch); keep the others if any.
    use = gens[1:] if len(gens) > 1 else gens
    return run, use


def comm_model(path):
    with open(path) as f:
        c = json.load(f)
    per_item = {e["rank0"]: e["median_s_per_item"] for e in c["dispatch"] if e["items"] == 10000}
    b = sorted((e["bytes"], e["median_s"]) for e in c["broadcast"])
    lat = b[0][1]
    big_bytes, big_s = b[-1]
    bw = big_bytes / max(big_s - lat, 1e-12)
    return c["ranks"], per_item, lat, bw


def draw_costs(members, validation, S, K, rng, member_cost_scale=1.0):
    """Item costs for S members in K parts plus the validation parts, bootstrapped from measured
    member-part costs and validation-part costs."""
    m = rng.choice(members, size=S * K, replace=True) * member_cost_scale
    return list(m) + list(validation)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--measured", default="bench/scaling", help="folder of the JSON measurements")
    ap.add_argument("--cores", type=int, default=2, help="cores of the validation machine")
    ap.add_argument("--plot", default="", help="write the validation and prediction figure here")
    ap.add_argument("--cluster-latency", type=float, default=2e-6,
                    help="one-way message latency on a cluster interconnect (s)")
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    folder = args.measured

    # Communication, from comm-P.json at each P measured (validation) and 2 ranks (cluster).
    comm = {}
    for path in sorted(glob.glob(os.path.join(folder, "comm-*.json"))):
        p, per_item, lat, bw = comm_model(path)
        comm[p] = (per_item, lat, bw)
    per_item2, lat2, bw2 = comm[2]
    print(f"dispatch per item at 2 ranks: compute {per_item2['compute'] * 1e6:.2f} us, "
          f"dispatch {per_item2['dispatch'] * 1e6:.2f} us; broadcast latency {lat2 * 1e6:.2f} us, "
          f"bandwidth {bw2 / 1e9:.2f} GB/s")

    def bcast_fn(lat, bw):
        return lambda nbytes: lat + nbytes / bw

    # Validation: measured runs at P ranks against the simulation at the same oversubscription.
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "valid-*-np1.json"))):
        stem = os.path.basename(path)[len("valid-"):-len("-np1.json")]
        run1, gens1 = load_costs(path)
        t1 = statistics.median(g["wall"] for g in gens1)
        n_val = None
        for p in (1, 2, 4, 8, 16):
            f = os.path.join(folder, f"valid-{stem}-np{p}.json")
            if not os.path.exists(f):
                continue
            run, gens = load_costs(f)
            tp = statistics.median(g["wall"] for g in gens)
            measured = t1 / (p * tp)
            # Simulate with the 1-rank generations' own item costs and update time.
            sims = []
            K, V = run1["items_per_member"], run1["validation_parts"]
            for g in gens1:
                per_item, lat, bw = comm.get(p, comm[2])
                dispatch_s = per_item["compute" if run["rank0"] == "compute" else "dispatch"]
                between = g["between"]
                if K > 1 and run1["task"] == "evidence":
                    # The exact readout step in K parts over min(K, P) ranks (at 1 rank all K).
                    exact_1 = K * float(np.median(g["item_seconds"][: len(g["item_seconds"]) - V]))
                    between = between - exact_1 + exact_1 / min(K, p)
                sim_t = simulate(g["item_seconds"], p, args.cores, run["rank0"] == "compute",
                                 run["queue_depth"], dispatch_s if p > 1 else 0.0,
                                 dispatch_s / 2 if p > 1 else 0.0, bcast_fn(lat, bw), between)
                sims.append(sim_t)
            sim1 = statistics.median(sum(g["item_seconds"]) + g["between"] for g in gens1)
            simulated = sim1 / (p * statistics.median(sims))
            rows.append((stem, p, run["rank0"], tp, measured, simulated))
    if rows:
        print("\nvalidation (this machine, %d cores; efficiency = T(1) / (P T(P)))" % args.cores)
        print("| run | ranks | rank 0 | s per generation | measured E | simulated E |")
        print("|---|---|---|---|---|---|")
        for stem, p, r0, tp, m, s in rows:
            print(f"| {stem} | {p} | {r0} | {tp:.3f} | {m:.3f} | {s:.3f} |")

    # Predictions on a cluster: one rank per core, the measured item costs, the interconnect's
    # latency, rank 0's cost per message as measured at 2 ranks. The update every rank repeats:
    # tell() at S (from the update-* runs, whose evaluations cost next to nothing; the mean over
    # generations, since song alternates its blocks W_inp and W_rec) plus the hybrid protocol's
    # exact readout step: one centre forward pass on every rank at K = 1, its K parts spread over
    # the ranks at K > 1 (trainer::exact_step).
    def tell_cost(S, noise):
        suffix = {"full": "", "lowrank": "-lowrank", "table": "-table"}[noise]
        f = os.path.join(folder, f"update-B-S{S}{suffix}.json")
        if not os.path.exists(f):
            return None
        _, gens = load_costs(f)
        return statistics.mean(g["between"] for g in gens)

    scenarios = []  # (label, costs file, S values, noises, exact step?)
    for K in (1, 2, 5, 10):
        scenarios.append((f"B fixed K={K}", f"costs-B-fixed-K{K}.json", (100, 1000),
                          ("full", "lowrank", "table"), True))
    scenarios.append(("B bdf K=1", "costs-B-bdf-K1.json", (100, 1000), ("full", "lowrank"), True))
    for K in (1, 4):
        scenarios.append((f"C K={K}", f"costs-C-K{K}.json", (500,), ("full",), False))
    preds = []
    for label, fname, S_list, noises, exact in scenarios:
        path = os.path.join(folder, fname)
        if not os.path.exists(path):
            continue
        run, gens = load_costs(path)
        K, V = run["items_per_member"], run["validation_parts"]
        items = np.concatenate([np.array(g["item_seconds"][: len(g["item_seconds"]) - V])
                                for g in gens])
        validation = gens[-1]["item_seconds"][len(gens[-1]["item_seconds"]) - V:]
        member = float(np.median(items)) * K  # a member's whole batch, in its K parts
        for S in S_list:
            for noise, update in [(n, u) for n in noises for u in ("replicated", "sliced")]:
                if exact:
                    tell = tell_cost(S, noise)
                    if tell is None:
                        continue
                else:
                    tell = statistics.mean(g["between"] for g in gens)  # task C: measured at S
                active_bytes = 8 * (128 * 128 if exact else 2000)  # W_rec, or task C's W1
                for P in (64, 256, 1024):
                    exact_s = (member if K == 1 else member / min(K, P)) if exact else 0.0
                    upd1 = tell + (member if exact else 0.0)
                    if update == "sliced":
                        tell_p = tell / P + math.ceil(math.log2(P)) * bcast_fn(
                            args.cluster_latency, bw2)(active_bytes)
                    else:
                        tell_p = tell
                    upd = tell_p + exact_s
                    sims, t1s = [], []
                    for _ in range(5):
                        costs = draw_costs(items, validation, S, K, rng)
                        t1s.append(sum(costs) + upd1)
                        sims.append(simulate(costs, P, P, True, run["queue_depth"],
                                             per_item2["compute"], args.cluster_latency,
                                             bcast_fn(args.cluster_latency, bw2), upd))
                    e = statistics.median(t1s) / (P * statistics.median(sims))
                    preds.append((label, S, f"{noise}, {update}", P, statistics.median(sims), e,
                                  upd))
    if preds:
        print("\npredictions (a cluster: one rank per core, latency %.1f us; E = T(1) / (P T(P)) "
              "at the same K)" % (args.cluster_latency * 1e6))
        print("| items | S | noise, dist.update | ranks | s per generation | efficiency | "
              "update s |")
        print("|---|---|---|---|---|---|---|")
        for label, S, noise, P, t, e, upd in preds:
            print(f"| {label} | {S} | {noise} | {P} | {t:.3f} | {e:.3f} | {upd:.3f} |")

    # Item 2 of issue 15: does rank 0 computing (and the queue depth) hold up as ranks grow?
    # The same drawn generation under each schedule, task B fixed-step at S = 1000.
    sched_rows = []
    path = os.path.join(folder, "costs-B-fixed-K5.json")
    tell = tell_cost(1000, "lowrank")
    if os.path.exists(path) and tell is not None:
        run, gens = load_costs(path)
        K, V = run["items_per_member"], run["validation_parts"]
        items = np.concatenate([np.array(g["item_seconds"][: len(g["item_seconds"]) - V])
                                for g in gens])
        validation = gens[-1]["item_seconds"][len(gens[-1]["item_seconds"]) - V:]
        member = float(np.median(items)) * K
        for P in (16, 64, 256, 1024):
            costs = draw_costs(items, validation, 1000, K, np.random.default_rng(7))
            upd = tell + member / min(K, P)
            t1 = sum(costs) + tell + member
            for computes, depth in ((True, 1), (True, 2), (True, 4), (False, 2)):
                if not computes and P == 1:
                    continue
                t = simulate(costs, P, P, computes, depth,
                             per_item2["compute" if computes else "dispatch"],
                             args.cluster_latency, bcast_fn(args.cluster_latency, bw2), upd)
                sched_rows.append((P, "compute" if computes else "dispatch", depth, t, t1 / (P * t)))
        print("\nschedules (task B fixed step, S = 1000, K = 5, low-rank noise)")
        print("| ranks | rank 0 | queue depth | s per generation | efficiency |")
        print("|---|---|---|---|---|")
        for P, r0, d, t, e in sched_rows:
            print(f"| {P} | {r0} | {d} | {t:.4f} | {e:.3f} |")

    # What the goal (0.9 at 1024 ranks, task B, S = 1000) needs, in the model: the update's
    # replicated terms shrunk. dist.update = sliced (built): tell() sliced over the ranks by
    # coordinate, each rank regenerating 1/P of every member's noise, then an allgather of the
    # active block (update-B-S1000-np2-*.json measure it at 2 ranks). The exact readout step in
    # one part per trial: not built.
    what_if = []
    for K in (5, 10):
        path = os.path.join(folder, f"costs-B-fixed-K{K}.json")
        tell = tell_cost(1000, "full")
        if not os.path.exists(path) or tell is None:
            continue
        run, gens = load_costs(path)
        V = run["validation_parts"]
        items = np.concatenate([np.array(g["item_seconds"][: len(g["item_seconds"]) - V])
                                for g in gens])
        validation = gens[-1]["item_seconds"][len(gens[-1]["item_seconds"]) - V:]
        member = float(np.median(items)) * K
        block_bytes = 128 * 128 * 8  # W_rec's gradient, the larger block
        for label, upd_fn in (
                ("dist.update = replicated", lambda P: tell + member / min(K, P)),
                ("dist.update = sliced", lambda P: tell / P + math.ceil(math.log2(P)) *
                 bcast_fn(args.cluster_latency, bw2)(block_bytes) + member / min(K, P)),
                ("sliced, exact step per trial (not built)", lambda P: tell / P + math.ceil(math.log2(P)) *
                 bcast_fn(args.cluster_latency, bw2)(block_bytes) + 3 * member / min(50, P))):
            P = 1024
            costs = draw_costs(items, validation, 1000, K, np.random.default_rng(11))
            t1 = sum(costs) + tell + member
            t = simulate(costs, P, P, True, run["queue_depth"], per_item2["compute"],
                         args.cluster_latency, bcast_fn(args.cluster_latency, bw2), upd_fn(P))
            what_if.append((K, label, upd_fn(P), t, t1 / (P * t)))
    for u in ("replicated", "sliced"):
        f = os.path.join(folder, f"update-B-S1000-np2-{u}.json")
        if os.path.exists(f):
            _, gens = load_costs(f)
            print(f"measured at 2 ranks, S = 1000: dist.update = {u}: "
                  f"{statistics.mean(g['between'] for g in gens):.4f} s between evaluations")
    if what_if:
        print("\nwhat the goal needs (task B fixed step, S = 1000, full noise, 1024 ranks; the "
              "exact step per trial assumed 3x a trial's share)")
        print("| K | update | update s | s per generation | efficiency |")
        print("|---|---|---|---|---|")
        for K, label, upd, t, e in what_if:
            print(f"| {K} | {label} | {upd:.4f} | {t:.4f} | {e:.3f} |")

    if args.plot and rows:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, 2, figsize=(11, 4))
        for stem in sorted({r[0] for r in rows}):
            rs = [r for r in rows if r[0] == stem]
            line, = ax[0].plot([r[1] for r in rs], [r[4] for r in rs], "o-", label=f"{stem} measured")
            ax[0].plot([r[1] for r in rs], [r[5] for r in rs], "x--", color=line.get_color(),
                       label=f"{stem} simulated")
        ax[0].plot([1, 2, 4, 8, 16], [min(1, args.cores / p) for p in (1, 2, 4, 8, 16)], "k:",
                   label="core limit")
        ax[0].set_xscale("log", base=2)
        ax[0].set_xlabel("ranks (2 cores)")
        ax[0].set_ylabel("parallel efficiency")
        ax[0].set_title("validation on this machine")
        ax[0].legend(fontsize=7)
        for key in sorted({(p[0], p[1], p[2]) for p in preds}):
            ps = [p for p in preds if (p[0], p[1], p[2]) == key]
            if key[1] != 1000 and not key[0].startswith("C"):
                continue  # the figure shows task B at S = 1000 and task C at the paper's S
            if key[0] not in ("B fixed K=1", "B fixed K=10", "C K=1"):
                continue
            ax[1].plot([p[3] for p in ps], [p[5] for p in ps], "o-",
                       label=f"{key[0]}, S={key[1]}, {key[2]}")
        ax[1].axhline(0.9, color="k", ls=":")
        ax[1].set_xscale("log", base=2)
        ax[1].set_xlabel("ranks (one per core)")
        ax[1].set_ylabel("predicted efficiency")
        ax[1].set_title("model: a cluster")
        ax[1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
