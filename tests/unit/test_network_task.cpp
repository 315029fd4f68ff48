// task.name = network (tasks/network_task.hpp): the user's network and data from files.
//   - task B written out as files (esbio export) trains to task B's own theta, bit for bit;
//   - a trained network exported and evaluated again gives the run's validation loss back;
//   - BPTT and the adjoint match central differences on small file-defined networks with a mask,
//     Dale's signs and bounds, for labels, traces and counts;
//   - connections the mask leaves out are never in theta, so they stay exactly 0;
//   - spike events in the Spiking Heidelberg Digits' layout bin as a hand count says.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/io/data_file.hpp"
#include "esbio/models/network_file.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "esbio/tasks/network_task.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/train/trainer.hpp"
#include "options.hpp"

using namespace esbio;

namespace {

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("esbio_test_" + name)).string();
}

std::vector<double> train_theta(const std::string& ini, const std::vector<std::string>& args) {
  const auto cfg = cli::to_run_config(cli::resolve_settings(ini, "test", args));
  const auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  auto st = tr.initial_state();
  REQUIRE(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  return st.theta;
}

// A small network of `model` neurons: two populations (excitatory and inhibitory), a sparse
// mask, Dale's signs, bounds on the recurrent weights, `channels` inputs and `outputs` outputs.
models::network_description small_network(const std::string& model, std::size_t channels,
                                          std::size_t outputs, bool conductance) {
  models::network_description d;
  models::population e, i;
  e.name = std::string("exc");
  i.name = std::string("inh");
  e.model = i.model = model;
  e.count = 4;
  i.count = 2;
  const bool hh = model == "hodgkin_huxley";
  e.v0_mean = i.v0_mean = hh ? -65 : -20;
  e.v0_sd = i.v0_sd = hh ? 3 : 5;
  i.e_syn = -75;
  d.populations = {e, i};
  d.coupling = conductance ? models::coupling_kind::conductance : models::coupling_kind::current;
  const std::size_t n = 6;
  d.w_rec.assign(n * n, 0.0);
  d.mask.assign(n * n, 0.0);
  const random_stream rs(11, stream::init, 0, 0);
  for (std::size_t k = 0; k < n * n; ++k)
    if (k % n != k / n && rs.uniform(k) < 0.6) {
      d.mask[k] = 1;
      d.w_rec[k] = 0.05 + 0.3 * rs.uniform(k + 100);
    }
  d.sign = {1, 1, 1, 1, -1, -1};
  d.syn_gain = 0.5;
  d.channels = channels;
  d.w_in.resize(channels * n);
  random_stream(11, stream::init, 0, 1).fill_uniform(d.w_in, -0.5, 1.0);
  d.input_gain = hh ? 8 : 36.75;
  d.input_offset = hh ? 2 : 39.9;
  d.iapp = hh ? 0 : 0.1;
  d.outputs = outputs;
  d.w_out.resize(outputs * n);
  random_stream(11, stream::init, 0, 2).fill_uniform(d.w_out, -1, 1);
  d.b_out.assign(outputs, 0.1);
  d.vt = hh ? -20 : -3;
  d.kp = hh ? 4 : 8;
  d.window_from_end_ms = 1.0;
  d.trainable = {"input.W", "recurrent.W", "readout.W", "readout.b"};
  d.bounds["recurrent.W"] = {0, 1};
  return d;
}

// A dataset of `trials` trials of `samples` dense samples, with the targets of `kind`.
data_group small_data(std::size_t trials, std::size_t samples, std::size_t channels,
                      std::size_t outputs, tasks::target_kind kind, double dt_ms) {
  data_group g;
  g.attrs["format"] = std::string("esbio-dataset");
  g.attrs["version"] = 1.0;
  g.attrs["dt_ms"] = dt_ms;
  data_array x{{trials, samples, channels}, std::vector<double>(trials * samples * channels)};
  random_stream(12, stream::data, 0, 0).fill_uniform(x.values, 0, 1);
  for (auto& v : x.values)
    if (v < 0.5) v = 0;  // sparse, like tokens or spikes
  g.arrays["inputs"] = x;
  data_array split{{trials}, std::vector<double>(trials), element_type::integer};
  for (std::size_t k = 0; k < trials; ++k) split.values[k] = k < trials - 2 ? 0 : 1;
  g.arrays["split"] = split;
  const random_stream rs(12, stream::data, 0, 1);
  switch (kind) {
    case tasks::target_kind::labels: {
      data_array l{{trials}, std::vector<double>(trials), element_type::integer};
      for (std::size_t k = 0; k < trials; ++k) l.values[k] = double(rs.below(k, outputs));
      g.arrays["labels"] = l;
      break;
    }
    case tasks::target_kind::traces: {
      data_array t{{trials, samples, outputs}, std::vector<double>(trials * samples * outputs)};
      rs.fill_uniform(t.values, -1, 1);
      data_array m{{trials, samples}, std::vector<double>(trials * samples, 1.0)};
      for (std::size_t k = 0; k < m.values.size(); k += 3) m.values[k] = 0;
      g.arrays["targets"] = t;
      g.arrays["mask"] = m;
      break;
    }
    case tasks::target_kind::counts: {
      data_array c{{trials, outputs}, std::vector<double>(trials * outputs)};
      for (std::size_t k = 0; k < c.values.size(); ++k) c.values[k] = double(rs.below(k, 4));
      g.arrays["counts"] = c;
      break;
    }
  }
  return g;
}

std::unique_ptr<tasks::task> network_task(const std::string& net, const std::string& data,
                                          const settings& extra) {
  auto s = tasks::task_defaults("network", {{"task.network", net}, {"task.data", data}});
  for (const auto& [k, v] : extra) s[k] = v;
  return tasks::make_task("network", s, 0);
}

}  // namespace

TEST_CASE("task B written out as files trains to task B's theta bit for bit") {
  const std::string ini =
      "[task]\nname = evidence\nneurons = 8\ntrials = 6\nvalidation_trials = 12\n"
      "token_ms = 0.8\n[es]\nstrategy = song\npopulation = 6\nsigma = 0.1\nbaseline = none\n"
      "blocks = W_inp, W_rec\nexact_blocks = W_ro, b_ro\ngenerations = 3\n[optim]\nname = adam\n"
      "lr = 0.005\n";
  const auto cfg = cli::to_run_config(cli::resolve_settings(ini, "test", {}));
  const auto b = tasks::make_task("evidence", cfg.values, cfg.seed);
  const auto net = temp("b_net.h5"), data = temp("b_data.h5");
  io::write_data_file(net, models::network_tree(b->network_at(b->initial_params())));
  io::write_data_file(data, b->trials_as_dataset(3));
  const auto own = train_theta(ini, {});
  const auto files =
      train_theta(ini, {"--task.name", "network", "--task.network", net, "--task.data", data,
                        "--task.batches", "sequential", "--es.blocks", "input.W,recurrent.W",
                        "--es.exact_blocks", "readout.W,readout.b"});
  std::filesystem::remove(net);
  std::filesystem::remove(data);
  CHECK(own == files);
}

TEST_CASE("a trained network exported and evaluated again gives the run's validation loss") {
  const auto net = temp("x_net.h5"), data = temp("x_data.h5"), out = temp("x_trained.h5");
  io::write_data_file(net, models::network_tree(small_network("morris_lecar", 3, 2, false)));
  io::write_data_file(data, small_data(10, 4, 3, 2, tasks::target_kind::labels, 0.5));
  const std::string ini = "[task]\nname = network\nnetwork = " + net + "\ndata = " + data +
                          "\ntrials = 4\n[es]\nstrategy = openai\npopulation = 8\nsigma = 0.05\n"
                          "generations = 3\n";
  const auto cfg = cli::to_run_config(cli::resolve_settings(ini, "test", {}));
  const auto task = tasks::make_task("network", cfg.values, cfg.seed);
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  auto st = tr.initial_state();
  REQUIRE(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  CHECK(st.theta != task->initial_params());
  io::write_data_file(out, models::network_tree(task->network_at(st.theta)));
  const auto again = network_task(out, data, {});
  const auto ev =
      again->make_evaluator()->evaluate(again->initial_params(), tasks::validation_generation);
  // The same loss as the run's own task at its final theta (what esbio simulate --params RUN.h5
  // reports): the bounded recurrent weights come back through the inverse transform, so equal to
  // rounding.
  const auto own = task->make_evaluator()->evaluate(st.theta, tasks::validation_generation);
  CHECK(ev.loss == doctest::Approx(own.loss).epsilon(1e-10));
  CHECK(ev.accuracy == own.accuracy);
  // Connections the mask leaves out are not in theta: they stay exactly 0.
  const auto trained = task->network_at(st.theta);
  for (std::size_t k = 0; k < trained.mask.size(); ++k)
    if (trained.mask[k] == 0) CHECK(trained.w_rec[k] == 0.0);
  std::size_t kept = 0;
  for (double m : trained.mask) kept += m != 0;
  CHECK(task->layout().block("recurrent.W").size() == kept);
  for (const auto& p : {net, data, out}) std::filesystem::remove(p);
}

TEST_CASE("BPTT and the adjoint of a file-defined network match central differences") {
  struct variant {
    const char* model;
    tasks::target_kind kind;
    const char* integrator;
    bool conductance;
  };
  const variant variants[] = {
      {"morris_lecar", tasks::target_kind::labels, "fixed", false},
      {"morris_lecar", tasks::target_kind::counts, "fixed", false},
      {"hodgkin_huxley", tasks::target_kind::traces, "fixed", false},
      {"morris_lecar", tasks::target_kind::labels, "bdf", false},
      {"hodgkin_huxley", tasks::target_kind::labels, "bdf", true},
  };
  for (const auto& v : variants) {
    CAPTURE(v.model);
    CAPTURE(v.integrator);
    CAPTURE(static_cast<int>(v.kind));
    const auto net = temp("g_net.h5"), data = temp("g_data.h5");
    io::write_data_file(net, models::network_tree(small_network(v.model, 3, 2, v.conductance)));
    io::write_data_file(data, small_data(6, 3, 3, 2, v.kind, 0.5));
    const auto task = network_task(net, data,
                                   {{"task.integrator", v.integrator},
                                    {"task.trials", "3"},
                                    {"task.dt", "0.05"},
                                    {"ode.method", "bdf"},
                                    {"ode.nonlinear", "newton"},
                                    {"ode.rtol", "1e-10"},
                                    {"ode.atol", "1e-10"},
                                    {"ode.adjoint_atol", "1e-12"}});
    auto ev = task->make_evaluator();
    const auto theta = task->initial_params();
    std::vector<double> grad(theta.size());
    REQUIRE(ev->gradient(theta, 2, grad).ok());
    // Every block's largest entries and a few others, by central differences of the loss.
    double worst = 0, scale = 0;
    for (double g : grad) scale = std::max(scale, std::abs(g));
    REQUIRE(scale > 0);
    for (std::size_t k = 0; k < theta.size(); k += 3) {
      const double h = 1e-5;
      auto up = theta, down = theta;
      up[k] += h;
      down[k] -= h;
      const double fd = (ev->evaluate(up, 2).loss - ev->evaluate(down, 2).loss) / (2 * h);
      worst = std::max(worst, std::abs(fd - grad[k]) / scale);
    }
    MESSAGE(v.model << " " << v.integrator << ": worst |BP - FD| / max|BP| = " << worst);
    CHECK(worst < (std::string(v.integrator) == "bdf" ? 1e-4 : 1e-6));
    std::filesystem::remove(net);
    std::filesystem::remove(data);
  }
}

TEST_CASE("spike events in the Spiking Heidelberg Digits' layout bin as a hand count says") {
  const auto path = temp("shd.h5");
  {
    // Two trials written as Tonic's SHD files are: /spikes/times (s) and /spikes/units,
    // variable-length per trial, and /labels.
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const auto text_attr = [](hid_t obj, const char* name, const char* value) {
      const hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      const hid_t s = H5Screate(H5S_SCALAR);
      const hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(a, t, &value);
      H5Aclose(a);
      H5Sclose(s);
      H5Tclose(t);
    };
    const auto num_attr = [](hid_t obj, const char* name, double value) {
      const hid_t s = H5Screate(H5S_SCALAR);
      const hid_t a = H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(a, H5T_NATIVE_DOUBLE, &value);
      H5Aclose(a);
      H5Sclose(s);
    };
    text_attr(f, "format", "esbio-dataset");
    num_attr(f, "version", 1);
    num_attr(f, "dt_ms", 2);
    const hid_t g = H5Gcreate2(f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    num_attr(g, "channels", 3);
    num_attr(g, "duration_ms", 7);  // 4 bins of 2 ms: [0,2) [2,4) [4,6) [6,8); 7 ms and on dropped
    std::vector<float> t0{0.0005f, 0.0015f, 0.0021f, 0.0059f, 0.0071f}, t1{0.003f};
    std::vector<std::uint16_t> u0{2, 2, 0, 1, 1}, u1{0};
    const hvl_t times[2] = {{t0.size(), t0.data()}, {t1.size(), t1.data()}};
    const hvl_t units[2] = {{u0.size(), u0.data()}, {u1.size(), u1.data()}};
    const hsize_t two[1] = {2};
    const hid_t space = H5Screate_simple(1, two, nullptr);
    const hid_t tf = H5Tvlen_create(H5T_NATIVE_FLOAT), tu = H5Tvlen_create(H5T_NATIVE_UINT16);
    hid_t d = H5Dcreate2(g, "times", tf, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, tf, H5S_ALL, H5S_ALL, H5P_DEFAULT, times);
    H5Dclose(d);
    d = H5Dcreate2(g, "units", tu, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, tu, H5S_ALL, H5S_ALL, H5P_DEFAULT, units);
    H5Dclose(d);
    const std::int64_t labels[2] = {1, 0};
    d = H5Dcreate2(f, "labels", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels);
    H5Dclose(d);
    const std::int64_t split[2] = {0, 1};
    d = H5Dcreate2(f, "split", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, split);
    H5Dclose(d);
    H5Tclose(tf);
    H5Tclose(tu);
    H5Sclose(space);
    H5Gclose(g);
    H5Fclose(f);
  }
  const tasks::dataset d(path, 2, 0, 0.5);
  CHECK(d.spikes());
  CHECK(d.samples() == 4);
  CHECK(d.channels() == 3);
  d.check();
  tasks::dataset_source src(d, {0, 1, 0, tasks::batch_order::sequential});
  tasks::trial_batch b;
  src.load(0, 0, 1, b);  // training trial 0
  // Trial 0 by hand: bin 0 holds units 2, 2; bin 1 unit 0; bin 2 unit 1; 7.1 ms is dropped.
  const std::vector<std::vector<std::pair<std::uint32_t, double>>> want{
      {{2, 2.0}}, {{0, 1.0}}, {{1, 1.0}}, {}};
  for (std::size_t s = 0; s < 4; ++s) {
    std::vector<std::pair<std::uint32_t, double>> got;
    b.for_each_input(
        0, s, [&](std::size_t c, double x) { got.emplace_back(static_cast<std::uint32_t>(c), x); });
    CAPTURE(s);
    CHECK(got == want[s]);
  }
  CHECK(b.labels == std::vector<int>{1});
  src.load(tasks::validation_generation, 0, 1, b);  // validation trial 1: unit 0 at 3 ms
  std::vector<std::pair<std::uint32_t, double>> got;
  b.for_each_input(
      0, 1, [&](std::size_t c, double x) { got.emplace_back(static_cast<std::uint32_t>(c), x); });
  CHECK(got == std::vector<std::pair<std::uint32_t, double>>{{0, 1.0}});
  CHECK(src.bytes_read() > 0);
  std::filesystem::remove(path);
}
