// The measured parts of bench/scaling_model.py, and its validation points. Run under mpirun at
// any rank count:
//
//   mpirun -np P esbio_bench_dispatch costs --config data/paper/evidence.ini --generations 3
//       [--dist.items_per_member K] [any esbio train option] > costs.json
//     Trains for --generations through the MPI context wrapped in a recorder: for every
//     generation, every item's seconds (timed on whichever rank computed it), the evaluate()
//     wall time, the time the trainer spends between two evaluate() calls (the update, logging
//     and the hash check: the part every rank repeats), the generation's wall time and how many
//     items rank 0 computed. One JSON object on rank 0's stdout.
//
//   mpirun -np 2 esbio_bench_dispatch comm > comm.json
//     The dispatch cost per item (evaluate() of items that do nothing: hand-out, result and
//     the broadcast, per item), and broadcast time against message size (latency and bandwidth).
//
// The layers hold: MPI is reached through dist::context only.
#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "esbio/core/error.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/train/trainer.hpp"
#include "options.hpp"

namespace po = boost::program_options;
using namespace esbio;
using clock_type = std::chrono::steady_clock;

namespace {

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// A context that passes everything through and records what each evaluate() call did.
class recorder final : public dist::context {
 public:
  explicit recorder(dist::context& inner) : c_(inner) {}
  struct call {
    std::vector<double> seconds;  // per item, by index
    double wall = 0;              // of the whole evaluate() call
    double before = 0;            // since the previous call returned (or since reset)
    std::uint64_t rank0_items = 0;
  };
  std::vector<call> calls;
  void reset() {
    calls.clear();
    last_ = clock_type::now();
  }

  int rank() const override { return c_.rank(); }
  int size() const override { return c_.size(); }
  std::string describe() const override { return c_.describe(); }
  void set_schedule(const dist::schedule& s) override { c_.set_schedule(s); }
  std::uint64_t items_evaluated() const override { return c_.items_evaluated(); }
  std::vector<evaluation> evaluate(std::size_t n,
                                   const std::function<evaluation(std::size_t)>& eval) override {
    call k;
    k.before = since(last_);
    const auto own = c_.items_evaluated();
    const auto t0 = clock_type::now();
    auto out = c_.evaluate(n, eval);
    k.wall = since(t0);
    k.rank0_items = c_.items_evaluated() - own;
    for (const auto& e : out) k.seconds.push_back(e.seconds);
    calls.push_back(std::move(k));
    last_ = clock_type::now();
    return out;
  }
  std::vector<evaluation> sum_vectors(
      std::size_t n, std::size_t width,
      const std::function<evaluation(std::size_t, std::span<double>)>& item,
      std::vector<double>& sum) override {
    return c_.sum_vectors(n, width, item, sum);
  }
  void allgather(std::span<double> d, std::span<const std::size_t> b) override {
    c_.allgather(d, b);
  }
  int broadcast_code(int v) override { return c_.broadcast_code(v); }
  bool all_equal(std::uint64_t v) override { return c_.all_equal(v); }
  void broadcast(std::vector<char>& d) override { c_.broadcast(d); }
  int max(int v) override { return c_.max(v); }
  std::uint64_t bytes_communicated() const override { return c_.bytes_communicated(); }

 private:
  dist::context& c_;
  clock_type::time_point last_ = clock_type::now();
};

std::string json_list(const std::vector<double>& xs) {
  std::ostringstream o;
  o.precision(9);
  o << "[";
  for (std::size_t i = 0; i < xs.size(); ++i) o << (i ? ", " : "") << xs[i];
  o << "]";
  return o.str();
}

int costs(dist::context& ctx, const std::vector<std::string>& args) {
  po::options_description desc("costs");
  desc.add_options()("config", po::value<std::string>()->default_value(""), "INI file")(
      "generations", po::value<std::uint32_t>()->default_value(3), "generations to record");
  po::variables_map vm;
  const auto rest = cli::take_options(desc, args, vm);
  const auto path = vm["config"].as<std::string>();
  auto cfg = cli::to_run_config(
      cli::resolve_settings(path.empty() ? "" : cli::read_config_text(path), path, rest));
  cli::resolve_items_per_member(cfg, ctx.size());  // auto, as esbio train resolves it
  cfg.generations = vm["generations"].as<std::uint32_t>();
  cfg.checkpoint_every = 0;
  const auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  recorder rec(ctx);
  train::trainer tr(cfg, *task, rec);
  auto st = tr.initial_state();
  rec.reset();
  tr.run(st, nullptr, {}, nullptr);
  if (ctx.rank() != 0) return 0;
  // The validation parts close every validating generation's items (train/generation_plan.hpp).
  const auto val_parts = task->validation_parts(cfg.items_per_member);
  std::printf(
      "{\"ranks\": %d, \"task\": \"%s\", \"items_per_member\": %u, \"validation_parts\": %zu, "
      "\"population\": %zu, \"rank0\": \"%s\", \"queue_depth\": %d, \"describe\": \"%s\",\n "
      "\"generations\": [\n",
      ctx.size(), cfg.task.c_str(), cfg.items_per_member, val_parts, cfg.es.population,
      cfg.schedule.rank0_computes ? "compute" : "dispatch", cfg.schedule.queue_depth,
      ctx.describe().c_str());
  for (std::size_t g = 0; g < rec.calls.size(); ++g) {
    const auto& k = rec.calls[g];
    const double gen_wall = g < st.history.size() ? st.history[g].wall_s : 0.0;
    std::printf(
        "  {\"wall\": %.9g, \"evaluate_wall\": %.9g, \"between\": %.9g, "
        "\"rank0_items\": %llu, \"item_seconds\": %s}%s\n",
        gen_wall, k.wall, k.before, static_cast<unsigned long long>(k.rank0_items),
        json_list(k.seconds).c_str(), g + 1 < rec.calls.size() ? "," : "");
  }
  std::printf(" ]}\n");
  return 0;
}

int comm(dist::context& ctx) {
  // Dispatch: items that do nothing, in the default schedule and with rank 0 dispatching only.
  std::ostringstream o;
  o << "{\"ranks\": " << ctx.size() << ", \"dispatch\": [";
  bool first = true;
  for (const bool computes : {true, false}) {
    ctx.set_schedule({computes, 2});  // as measured in bench/scaling/comm-*.json
    for (const std::size_t n : {1000u, 10000u, 100000u}) {
      std::vector<double> reps;
      for (int r = 0; r < 5; ++r) {
        const auto t0 = clock_type::now();
        ctx.evaluate(n, [](std::size_t) { return evaluation{}; });
        reps.push_back(since(t0) / static_cast<double>(n));
      }
      std::sort(reps.begin(), reps.end());
      o << (first ? "" : ", ") << "{\"rank0\": \"" << (computes ? "compute" : "dispatch")
        << "\", \"items\": " << n << ", \"median_s_per_item\": " << reps[2] << "}";
      first = false;
    }
  }
  ctx.set_schedule({});
  o << "], \"broadcast\": [";
  first = true;
  for (std::size_t bytes = 8; bytes <= (std::size_t{1} << 24); bytes *= 8) {
    std::vector<double> reps;
    const int count = bytes < (1u << 20) ? 200 : 10;
    for (int r = 0; r < 5; ++r) {
      std::vector<char> data(bytes, 1);
      ctx.max(0);  // line up before timing
      const auto t0 = clock_type::now();
      for (int k = 0; k < count; ++k) ctx.broadcast(data);
      ctx.max(0);
      reps.push_back(since(t0) / count);
    }
    std::sort(reps.begin(), reps.end());
    o << (first ? "" : ", ") << "{\"bytes\": " << bytes << ", \"median_s\": " << reps[2] << "}";
    first = false;
  }
  o << "]}";
  if (ctx.rank() == 0) std::cout << o.str() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "costs") return costs(*ctx, {args.begin() + 1, args.end()});
    if (!args.empty() && args[0] == "comm") return comm(*ctx);
    if (ctx->rank() == 0) std::cerr << "usage: esbio_bench_dispatch costs|comm [options]\n";
    return 2;
  } catch (const std::exception& e) {
    if (ctx->rank() == 0) std::cerr << "esbio_bench_dispatch: " << e.what() << "\n";
    dist::abort_all(2);
  }
}
