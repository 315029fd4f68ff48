// esbio gradient: the BP gradient against ES estimates over sigma and S, and for task A the BP
// gradient's norm against the horizon (analysis/gradient_study.hpp); this file parses, calls,
// prints and writes.
#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <sstream>

#include "collective.hpp"
#include "commands.hpp"
#include "esbio/analysis/gradient_study.hpp"
#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"
#include "esbio/es/registry.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/version.hpp"
#include "options.hpp"

namespace po = boost::program_options;

namespace esbio::cli {

namespace {

struct gradient_args {
  std::vector<double> sigmas{1e-4, 1e-3, 1e-2, 1e-1};
  std::vector<std::uint64_t> populations{10, 100, 1000};
  std::vector<double> horizons;  // task A only
  std::size_t repeats = 3;
  std::uint32_t generation = 0;
  std::string params_file;
  bool help = false;
  train_args run;
};

// Repeats beyond this are a typo, not a measurement.
constexpr std::uint64_t max_repeats = 10'000;

po::options_description gradient_description() {
  po::options_description d("esbio gradient");
  d.add_options()("sigmas", po::value<std::string>()->value_name("LIST"),
                  "ES perturbation sizes, comma-separated [1e-4,1e-3,1e-2,1e-1]")(
      "populations", po::value<std::string>()->value_name("LIST"),
      "ES population sizes S, comma-separated whole numbers [10,100,1000]")(
      "repeats", po::value<std::string>()->value_name("R"),
      "independent ES estimates per (sigma, S), 1 to 10000 [3]")(
      "generation", po::value<std::string>()->value_name("G"),
      "whose batch the loss is taken on [0]")(
      "horizons", po::value<std::string>()->value_name("LIST"),
      "turn_off: BP gradient norm at these task.horizon values (ms; outputs keep their spacing)")(
      "params", po::value<std::string>()->value_name("RUN.h5"),
      "at the final parameters of a run file (default: the task's initial parameters)");
  return d;
}

gradient_args parse_gradient_args(const std::vector<std::string>& args) {
  gradient_args a;
  po::variables_map vm;
  const auto desc = gradient_description();
  const auto rest = take_options(desc, args, vm);
  a.run = parse_train_args(rest);
  a.help = a.run.help;
  if (a.help) return a;
  if (auto v = option_text(vm, "sigmas")) a.sigmas = parse_real_list("--sigmas", *v);
  if (auto v = option_text(vm, "populations"))
    a.populations = parse_count_list("--populations", *v, 2, es::max_population);
  if (auto v = option_text(vm, "horizons")) a.horizons = parse_real_list("--horizons", *v);
  if (auto v = option_text(vm, "repeats")) a.repeats = parse_count("--repeats", *v, 1, max_repeats);
  if (auto v = option_text(vm, "generation"))
    a.generation = static_cast<std::uint32_t>(
        parse_count("--generation", *v, 0, tasks::validation_generation - 1));
  if (auto v = option_text(vm, "params")) a.params_file = *v;
  if (a.run.out.empty()) throw input_error("--out FILE is required (the HDF5 file to write)");
  return a;
}

// "song, openai, snes, pgpe and guided": the strategies esbio gradient can compare with BP.
std::string estimating_strategies() {
  std::vector<std::string> names;
  for (const auto& k : es::strategies())
    if (k.traits.estimates_gradient) names.push_back(k.name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

}  // namespace

int gradient_command(int& argc, char**& argv, const std::vector<std::string>& args) {
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  gradient_args a;
  train::run_config root_cfg;
  std::vector<char> theta_bytes;
  const int status = root_decides(*ctx, [&] {
    a = parse_gradient_args(args);
    if (a.help) {
      std::cout << "usage: esbio gradient --config FILE --out FILE [--sigmas LIST] "
                   "[--populations LIST] [--repeats R] [--generation G] [--horizons LIST] "
                   "[--params RUN.h5] [--SECTION.KEY VALUE ...]\n\nThe BP gradient at theta "
                   "and ES estimates of it over a grid of sigma and S, with norms and cosine "
                   "similarity; for task A also the BP gradient norm against the horizon. "
                   "ES uses the configuration's estimator (es.strategy, es.baseline) with every "
                   "parameter perturbed. Example:\n  esbio gradient --config "
                   "data/paper/turn_off.ini --horizons 100,200,500,1000,2000 --out grad.h5\n\n"
                << gradient_description();
      return -1;
    }
    check_output(a.run.out, a.run.force);
    root_cfg = analysis_config(a.run);
    const auto& cfg = root_cfg;
    if (!a.horizons.empty() && cfg.task != "turn_off")
      throw input_error("--horizons: only task turn_off has a horizon (task.horizon)");
    const auto& traits = es::find_strategy(cfg.es.strategy).traits;
    if (!traits.estimates_gradient)
      throw input_error("es.strategy = " + cfg.es.strategy + " does not estimate a gradient (" +
                        estimating_strategies() + " do)");
    if (traits.mirrored)
      for (const auto s : a.populations)
        if (s % 2 != 0) throw input_error("--populations: mirrored pairs need even S");
    theta_bytes = run_file_theta(a.params_file);
    return 0;
  });
  if (status == -1) return 0;
  if (status != 0) return status;

  if (!same_instruction_set(*ctx)) return 2;
  analysis_setup setup;
  if (const int st = share_analysis(*ctx, root_cfg, theta_bytes, setup); st != 0) return st;
  if (ctx->rank() != 0) a = parse_gradient_args(args);
  const auto& cfg = setup.cfg;
  const auto& task = setup.task;
  std::vector<double>& theta = setup.theta;
  const int checked = root_decides(*ctx, [&] {
    if (!task->has_gradient())
      throw input_error("task " + task->name() +
                        " has no backpropagation gradient in this configuration");
    return 0;
  });
  if (checked != 0) return checked;
  const std::uint32_t g = a.generation;
  const std::size_t p = theta.size();
  const auto cmp = analysis::compare_gradients(*ctx, *task, *setup.eval, cfg.es, cfg.seed, theta,
                                               {a.sigmas, a.populations, a.repeats, g});
  if (ctx->rank() != 0) return 0;
  const auto& bp = cmp.bp_gradient;
  const auto& bp_eval = cmp.bp;
  const double bp_norm = cmp.bp_norm;
  std::vector<double> col_sigma, col_s, col_repeat, col_norm, col_cos, col_fail, col_proj;
  for (const auto& r : cmp.rows) {
    col_sigma.push_back(r.sigma);
    col_s.push_back(static_cast<double>(r.population));
    col_repeat.push_back(static_cast<double>(r.repeat));
    col_norm.push_back(r.es_norm);
    col_cos.push_back(r.cosine);
    col_proj.push_back(r.projection);
    col_fail.push_back(static_cast<double>(r.failures));
  }

  // Task A at other horizons: the same configuration with task.horizon = h and the outputs at
  // their spacing.
  std::vector<double> h_values, h_norm, h_loss, h_status;
  const auto rows = analysis::horizon_sweep(
      [&](double h) {
        auto values = cfg.values;
        const double outputs = std::stod(values.at("task.outputs"));
        const double spacing = std::stod(values.at("task.horizon")) / (outputs - 1);
        values["task.horizon"] = format_real(h);
        values["task.outputs"] =
            std::to_string(std::max<long long>(2, std::llround(h / spacing) + 1));
        return tasks::make_task(cfg.task, values, cfg.seed);
      },
      a.horizons, theta, g);
  for (const auto& r : rows) {
    h_values.push_back(r.horizon);
    h_norm.push_back(r.bp_norm);
    h_loss.push_back(r.loss);
    h_status.push_back(static_cast<double>(r.status));
  }

  io::table_file t;
  t.format = "esbio-gradient-1";
  t.group = "gradient";
  t.text_attrs = {{"program_version", esbio::version},
                  {"git_revision", esbio::git_revision},
                  {"config", cfg.text},
                  {"task", task->name()},
                  {"bp_status", to_string(bp_eval.status)}};
  t.real_attrs = {{"bp_norm", bp_norm},
                  {"loss", bp_eval.loss},
                  {"generation", static_cast<double>(g)},
                  {"ranks", static_cast<double>(ctx->size())}};
  t.columns = {{"sigma", col_sigma},  {"population", col_s}, {"repeat", col_repeat},
               {"es_norm", col_norm}, {"cosine", col_cos},   {"projection", col_proj},
               {"failures", col_fail}};
  t.arrays = {{"bp_gradient", {p}, bp}, {"theta", {p}, theta}};
  if (!h_values.empty()) {
    const std::size_t nh = h_values.size();
    t.arrays.push_back({"horizon", {nh}, h_values});
    t.arrays.push_back({"horizon_bp_norm", {nh}, h_norm});
    t.arrays.push_back({"horizon_loss", {nh}, h_loss});
    t.arrays.push_back({"horizon_status", {nh}, h_status});
  }
  io::write_table_file(a.run.out, t);

  if (!a.run.quiet) {
    std::printf("%s at generation %u: loss %.6g, |g_BP| %.4g (%s), %zu parameters\n",
                task->name().c_str(), g, bp_eval.loss, bp_norm, to_string(bp_eval.status), p);
    std::printf("%10s %8s %12s %12s %12s %9s\n", "sigma", "S", "|g_ES|", "cos(ES,BP)",
                "proj/|g_BP|", "failures");
    for (std::size_t i = 0; i < col_sigma.size(); i += a.repeats) {
      // Mean over the repeats of one (sigma, S).
      double n = 0, c = 0, pr = 0, f = 0;
      for (std::size_t r = 0; r < a.repeats; ++r) {
        n += col_norm[i + r];
        c += col_cos[i + r];
        pr += col_proj[i + r];
        f += col_fail[i + r];
      }
      const auto k = static_cast<double>(a.repeats);
      std::printf("%10.3g %8.0f %12.4g %12.4f %12.4f %9.0f\n", col_sigma[i], col_s[i], n / k, c / k,
                  pr / k, f);
    }
    if (!h_values.empty()) {
      std::printf("%10s %14s %12s\n", "horizon", "|g_BP|", "loss");
      for (std::size_t i = 0; i < h_values.size(); ++i)
        std::printf("%10.4g %14.4g %12.6g\n", h_values[i], h_norm[i], h_loss[i]);
    }
    std::printf("wrote %s\n", a.run.out.c_str());
  }
  return 0;
}

}  // namespace esbio::cli
