#include <mpi.h>

#include <cstdlib>
#include <deque>
#include <exception>
#include <stdexcept>

#include "esbio/dist/context.hpp"

namespace esbio::dist {

namespace {

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI call failed: ") + what);
}

constexpr int tag_item = 11;
constexpr int tag_result = 12;
constexpr std::int64_t no_more_items = -1;

struct wire_result {
  std::int64_t item;
  evaluation ev;
};

class mpi_context final : public context {
 public:
  mpi_context() {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    // Failures come back as errors (an exception on this rank) instead of aborting inside MPI,
    // so that a rank whose peer has just exited on a stop signal can leave quietly.
    check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~mpi_context() override { MPI_Comm_free(&comm_); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override {
    if (size_ == 1) return "MPI, 1 rank";
    return "MPI, " + std::to_string(size_) + " ranks (rank 0 dispatches" +
           (schedule_.rank0_computes ? " and computes" : " only") + ", " +
           std::to_string(schedule_.queue_depth) + " items queued per worker)";
  }
  void set_schedule(const schedule& s) override {
    if (s.queue_depth < 1) throw std::invalid_argument("queue depth below 1");
    schedule_ = s;
  }
  std::uint64_t items_evaluated() const override { return items_; }

  std::vector<evaluation> evaluate(std::size_t n,
                                   const std::function<evaluation(std::size_t)>& eval) override {
    std::vector<evaluation> out(n);
    if (size_ == 1) {
      for (std::size_t i = 0; i < n; ++i) out[i] = timed([&] { return eval(i); });
      items_ += n;
      return out;
    }
    if (rank_ == 0)
      dispatch(n, eval, out);
    else
      work(eval);
    const auto payload = static_cast<int>(n * sizeof(evaluation));
    check(MPI_Bcast(out.data(), payload, MPI_BYTE, 0, comm_), "MPI_Bcast(results)");
    count_broadcast(static_cast<std::uint64_t>(payload));
    return out;
  }

  std::vector<evaluation> sum_vectors(
      std::size_t n, std::size_t width,
      const std::function<evaluation(std::size_t, std::span<double>)>& item,
      std::vector<double>& sum) override {
    const auto r = static_cast<std::size_t>(rank_), p = static_cast<std::size_t>(size_);
    // This rank's items, in index order: i = r, r + p, ...
    std::vector<evaluation> mine;
    std::vector<double> vectors;
    for (std::size_t i = r; i < n; i += p) {
      vectors.resize(vectors.size() + width, 0.0);
      mine.push_back(timed([&] { return item(i, std::span<double>(vectors).last(width)); }));
    }
    // Rank 0 gathers every rank's block: rank q's items are q, q + p, ...
    std::vector<int> ev_counts(p), ev_offsets(p), v_counts(p), v_offsets(p);
    for (std::size_t q = 0, ev_at = 0, v_at = 0; q < p; ++q) {
      const std::size_t items = q < n ? (n - q + p - 1) / p : 0;
      ev_counts[q] = static_cast<int>(items * sizeof(evaluation));
      v_counts[q] = static_cast<int>(items * width);
      ev_offsets[q] = static_cast<int>(ev_at);
      v_offsets[q] = static_cast<int>(v_at);
      ev_at += items * sizeof(evaluation);
      v_at += items * width;
    }
    std::vector<evaluation> by_rank(rank_ == 0 ? n : 0), out(n);
    std::vector<double> all(rank_ == 0 ? n * width : 0);
    check(MPI_Gatherv(mine.data(), static_cast<int>(mine.size() * sizeof(evaluation)), MPI_BYTE,
                      by_rank.data(), ev_counts.data(), ev_offsets.data(), MPI_BYTE, 0, comm_),
          "MPI_Gatherv(evaluations)");
    check(MPI_Gatherv(vectors.data(), static_cast<int>(vectors.size()), MPI_DOUBLE, all.data(),
                      v_counts.data(), v_offsets.data(), MPI_DOUBLE, 0, comm_),
          "MPI_Gatherv(vectors)");
    sum.assign(width, 0.0);
    if (rank_ == 0) {
      bytes_ += (n - mine.size()) * (sizeof(evaluation) + width * sizeof(double));
      for (std::size_t i = 0; i < n; ++i) {
        // Item i is rank (i mod p)'s (i / p)-th.
        const std::size_t q = i % p, k = i / p;
        out[i] = by_rank[static_cast<std::size_t>(ev_offsets[q]) / sizeof(evaluation) + k];
        const double* v = all.data() + static_cast<std::size_t>(v_offsets[q]) + k * width;
        for (std::size_t j = 0; j < width; ++j) sum[j] += v[j];
      }
    }
    check(MPI_Bcast(sum.data(), static_cast<int>(width), MPI_DOUBLE, 0, comm_), "MPI_Bcast(sum)");
    check(MPI_Bcast(out.data(), static_cast<int>(n * sizeof(evaluation)), MPI_BYTE, 0, comm_),
          "MPI_Bcast(evaluations)");
    count_broadcast(width * sizeof(double) + n * sizeof(evaluation));
    return out;
  }

  void allgather(std::span<double> data, std::span<const std::size_t> bounds) override {
    if (bounds.size() != static_cast<std::size_t>(size_) + 1 || bounds.back() != data.size())
      throw std::invalid_argument("allgather: bounds do not cover the data");
    std::vector<int> counts(size_), offsets(size_);
    for (int q = 0; q < size_; ++q) {
      offsets[q] = static_cast<int>(bounds[q]);
      counts[q] = static_cast<int>(bounds[q + 1] - bounds[q]);
    }
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data.data(), counts.data(),
                         offsets.data(), MPI_DOUBLE, comm_),
          "MPI_Allgatherv");
    // As for a broadcast: every value counts once per rank that receives it.
    count_broadcast(sizeof(double) * data.size());
  }

  int broadcast_code(int x) override {
    check(MPI_Bcast(&x, 1, MPI_INT, 0, comm_), "MPI_Bcast(code)");
    count_broadcast(sizeof x);
    return x;
  }

  bool all_equal(std::uint64_t value) override {
    std::vector<std::uint64_t> all(rank_ == 0 ? size_ : 0);
    check(MPI_Gather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, 0, comm_),
          "MPI_Gather(hash)");
    if (rank_ == 0) bytes_ += sizeof(value) * static_cast<std::uint64_t>(size_ - 1);
    bool same = true;
    for (auto h : all) same = same && h == value;
    return broadcast_code(same ? 1 : 0) != 0;
  }

  void broadcast(std::vector<char>& data) override {
    std::uint64_t len = data.size();
    check(MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm_), "MPI_Bcast(length)");
    data.resize(len);
    check(MPI_Bcast(data.data(), static_cast<int>(len), MPI_BYTE, 0, comm_), "MPI_Bcast(data)");
    count_broadcast(sizeof len + len);
  }

  int max(int value) override {
    int out = value;
    check(MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, comm_), "MPI_Allreduce(max)");
    return out;
  }

  std::uint64_t bytes_communicated() const override { return bytes_; }

 private:
  void count_broadcast(std::uint64_t payload) {
    if (rank_ == 0) bytes_ += payload * static_cast<std::uint64_t>(size_ - 1);
  }

  void send_item(std::int64_t item, int dest) {
    check(MPI_Send(&item, 1, MPI_INT64_T, dest, tag_item, comm_), "MPI_Send(item)");
    bytes_ += sizeof item;
  }

  // Rank 0: hand items out in index order to whoever asks next, place results by index. Between
  // its own items (schedule::rank0_computes) it answers every result that has arrived; the
  // workers' queues cover the time it spends on one.
  void dispatch(std::size_t n, const std::function<evaluation(std::size_t)>& eval,
                std::vector<evaluation>& out) {
    std::size_t next = 0, done = 0;
    auto next_item = [&]() -> std::int64_t {
      return next < n ? static_cast<std::int64_t>(next++) : no_more_items;
    };
    for (int w = 1; w < size_; ++w)
      for (int d = 0; d < schedule_.queue_depth; ++d) send_item(next_item(), w);
    auto receive_one = [&]() {
      wire_result r{};
      MPI_Status st;
      check(MPI_Recv(&r, sizeof r, MPI_BYTE, MPI_ANY_SOURCE, tag_result, comm_, &st),
            "MPI_Recv(result)");
      bytes_ += sizeof r;
      if (r.item < 0 || static_cast<std::size_t>(r.item) >= n)
        throw std::runtime_error("a worker returned an item that was never handed out");
      out[static_cast<std::size_t>(r.item)] = r.ev;
      ++done;
      send_item(next_item(), st.MPI_SOURCE);
    };
    const bool self_compute = schedule_.rank0_computes;
    while (done < n) {
      int pending = 0;
      do {
        check(MPI_Iprobe(MPI_ANY_SOURCE, tag_result, comm_, &pending, MPI_STATUS_IGNORE),
              "MPI_Iprobe");
        if (pending) receive_one();
      } while (pending && done < n);
      if (done == n) break;
      if (self_compute && next < n) {
        const std::size_t i = next++;
        out[i] = timed([&] { return eval(i); });
        ++done;
        ++items_;
      } else {
        receive_one();
      }
    }
  }

  // Workers: evaluate items in the order received; every result is answered with one more
  // message (an item or no_more_items), so the worker knows exactly how many messages to expect.
  void work(const std::function<evaluation(std::size_t)>& eval) {
    std::deque<std::int64_t> queue;
    long received = 0, sent = 0;
    while (!queue.empty() || received < schedule_.queue_depth + sent) {
      if (queue.empty()) {
        std::int64_t item = 0;
        check(MPI_Recv(&item, 1, MPI_INT64_T, 0, tag_item, comm_, MPI_STATUS_IGNORE),
              "MPI_Recv(item)");
        ++received;
        queue.push_back(item);
        continue;
      }
      const auto item = queue.front();
      queue.pop_front();
      if (item == no_more_items) continue;
      wire_result r{item, timed([&] { return eval(static_cast<std::size_t>(item)); })};
      ++items_;
      check(MPI_Send(&r, sizeof r, MPI_BYTE, 0, tag_result, comm_), "MPI_Send(result)");
      ++sent;
    }
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::uint64_t bytes_ = 0, items_ = 0;
  schedule schedule_;
};

}  // namespace

mpi_session::mpi_session(int& argc, char**& argv) {
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
}

mpi_session::~mpi_session() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && std::uncaught_exceptions() == 0) MPI_Finalize();
}

std::unique_ptr<context> make_mpi_context() {
  return std::make_unique<mpi_context>();
}

int world_rank() {
  int up = 0, down = 0;
  MPI_Initialized(&up);
  MPI_Finalized(&down);
  if (!up || down) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

void abort_all(int code) {
  int up = 0, down = 0;
  MPI_Initialized(&up);
  MPI_Finalized(&down);
  if (up && !down) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

std::string mpi_library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<std::size_t>(len));
  if (auto nl = s.find_first_of("\n,"); nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace esbio::dist
