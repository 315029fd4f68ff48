#pragma once
// Where evaluations run. The only layer that calls MPI (Arbor's distributed_context is the model):
// a local context for tests and single-process runs, an MPI context for clusters, one interface.
//
// The generation protocol (docs/design.md 3): every rank holds a replica of theta and the optimiser
// state. evaluate() hands out work items dynamically and returns all results placed by index on
// every rank, so every rank then applies the identical update. Only item indices, evaluation
// records and flags cross the network; theta never does, so the bytes per generation are O(S)
// and independent of the parameter count.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"

namespace esbio::dist {

// How evaluate() shares out its items (dist.rank0, dist.queue_depth). Neither changes a result,
// only who computes what and when, so both may change on --resume.
struct schedule {
  // Rank 0 evaluates items between hand-outs (it polls for results after each of its own), or
  // with `false` it only dispatches: every item then crosses the network, so the bytes per
  // generation are an exact formula of the item count, at the price of one idle rank.
  bool rank0_computes = true;
  // Items in flight per worker: while a worker computes one, its next is already queued, so it
  // does not idle while rank 0 is busy with an item of its own. Larger hides a longer rank-0
  // item; the cost is a longer tail (a worker may hold this many items when the list runs out).
  // 3: with 2, a worker's one queued item lasts exactly as long as rank 0's own item before it
  // answers, and any jitter idles the worker (bench/RESULTS.md: task B in 5 parts on 2 ranks
  // ran at 0.85 efficiency with 2, 0.96 with 3).
  int queue_depth = 3;
};

class context {
 public:
  virtual ~context() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string describe() const = 0;
  virtual void set_schedule(const schedule&) {}
  // Items this rank evaluated in evaluate() so far (the dispatch's share, for benchmarks and the
  // exact byte count when rank 0 computes).
  virtual std::uint64_t items_evaluated() const = 0;

  // Evaluate items [0, n) with eval (called on whichever rank an item is handed to) and return
  // all n results, by index, on every rank.
  virtual std::vector<evaluation> evaluate(std::size_t n,
                                           const std::function<evaluation(std::size_t)>& eval) = 0;
  // Items [0, n) shared out statically (item i on rank i mod size; every rank computes, rank 0
  // too), each writing `width` values into its zeroed span. Returns the items' evaluations by
  // index, on every rank, and sets sum to the sum of the items' vectors taken in index order
  // (0 + v_0 + v_1 + ...): for a gradient split over a batch its bits depend on n, never on the
  // rank count. Bytes: the vectors and evaluations gathered at rank 0, the sum and the
  // evaluations broadcast back.
  virtual std::vector<evaluation> sum_vectors(
      std::size_t n, std::size_t width,
      const std::function<evaluation(std::size_t, std::span<double>)>& item,
      std::vector<double>& sum) = 0;
  // Rank r holds data[bounds[r], bounds[r + 1]) (bounds has size() + 1 entries); afterwards
  // every rank holds all of data (dist.update = sliced). Bytes: every value, once per rank that
  // receives it, (size - 1) x 8 x data.size() in all.
  virtual void allgather(std::span<double> data, std::span<const std::size_t> bounds) = 0;
  // Rank 0's value, on every rank (go on / stop / abort at a generation boundary, verdicts).
  virtual int broadcast_code(int root_value) = 0;
  // Whether every rank passed the same value (theta-hash agreement), on every rank.
  virtual bool all_equal(std::uint64_t value) = 0;
  // Rank 0's buffer on every rank (start-up and resume state; not part of a generation).
  virtual void broadcast(std::vector<char>& data) = 0;
  // The largest of the ranks' values, on every rank (exit codes).
  virtual int max(int value) = 0;

  // Payload bytes that crossed between ranks so far, counted at rank 0 (all messages pass
  // through it; a broadcast counts once per receiving rank).
  virtual std::uint64_t bytes_communicated() const = 0;
};

std::unique_ptr<context> make_local_context();

// RAII guard for MPI_Init/MPI_Finalize. Finalize is skipped while an exception unwinds: other
// ranks may be blocked in a collective and MPI_Finalize would hang (Arbor's with_mpi).
class mpi_session {
 public:
  mpi_session(int& argc, char**& argv);
  ~mpi_session();
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
};

std::unique_ptr<context> make_mpi_context();  // needs a live mpi_session
// This process's rank in MPI_COMM_WORLD, or 0 when MPI is not running (who may speak).
int world_rank();
[[noreturn]] void abort_all(int code);  // MPI_Abort when MPI is up, else std::exit
std::string mpi_library_version();

}  // namespace esbio::dist
