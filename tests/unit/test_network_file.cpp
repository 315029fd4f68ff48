// The network file (docs/network-files.md): a description survives a round trip through an HDF5
// file bit for bit, and every kind of bad file is refused with one line naming the file, the
// path and the problem.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>

#include "esbio/core/error.hpp"
#include "esbio/io/data_file.hpp"
#include "esbio/models/network_file.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "esbio/tasks/registry.hpp"

using namespace esbio;

namespace {

// Two Hodgkin-Huxley populations, conductance coupling, a mask, Dale's signs, per-neuron
// constants and initial gates, bounds: every field the format has.
models::network_description rich() {
  models::network_description d;
  models::population e, i;
  e.name = "exc";
  e.model = i.model = "hodgkin_huxley";
  e.count = 3;
  e.constants["gNa"] = {110, 120, 130};
  e.constants["C"] = {1};
  e.initial["h"] = {0.5};
  e.v0_mean = -65;
  e.v0_sd = 2;
  e.e_syn = 0;
  i.name = "inh";
  i.count = 2;
  i.initial["n"] = {0.3, 0.35};
  i.e_syn = -80;
  i.alpha = 2;
  i.beta = 0.2;
  d.populations = {e, i};
  d.coupling = models::coupling_kind::conductance;
  d.syn_gain = 0.5;
  const std::size_t n = 5;
  d.mask.assign(n * n, 1);
  d.w_rec.assign(n * n, 0.25);
  for (std::size_t k = 0; k < n; ++k) d.mask[k * n + k] = d.w_rec[k * n + k] = 0;
  d.sign = {1, 1, 1, -1, -1};
  d.channels = 2;
  d.w_in = {0.1, 0.2, 0.3, 0.4, 0.5, -0.1, -0.2, -0.3, -0.4, -0.5};
  d.input_gain = 2;
  d.input_offset = 1;
  d.iapp = 0;
  d.outputs = 1;
  d.w_out = {1, 2, 3, 4, 5};
  d.b_out = {0.5};
  d.readout = models::readout_variable::rate;
  d.window_from_end_ms = 50;
  d.window_to_end_ms = 10;
  d.vt = -20;
  d.kp = 2;
  d.trainable = {"recurrent.W", "readout.W"};
  d.bounds["recurrent.W"] = {0, std::numeric_limits<double>::infinity()};
  return d;
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

std::string refusal(const data_group& tree) {
  try {
    models::network_from_tree(tree, "net.h5");
  } catch (const input_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a network survives a round trip through its file bit for bit") {
  const auto task =
      tasks::make_task("evidence", tasks::task_defaults("evidence", {{"task.neurons", "12"}}), 3);
  const auto& b = dynamic_cast<const tasks::evidence_task&>(*task);
  for (const auto& d : {*b.network(), rich()}) {
    const auto path = temp_path("esbio_network_roundtrip.h5");
    io::write_data_file(path, models::network_tree(d));
    const auto back =
        models::network_from_tree(io::read_data_file(path, "network file", 1 << 30), path);
    std::filesystem::remove(path);
    // Task B leaves the trainable blocks implicit (all four); the file names them.
    auto want = d;
    if (want.trainable.empty())
      want.trainable = {"input.W", "recurrent.W", "readout.W", "readout.b"};
    CHECK(back == want);
    CHECK(back.hash() == want.hash());
  }
}

TEST_CASE("bad network files are refused with the file, the path and the problem") {
  const auto good = models::network_tree(rich());
  REQUIRE(refusal(good).empty());
  struct bad {
    const char* says;
    std::function<void(data_group&)> edit;
  };
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const bad cases[] = {
      {"/ attribute format is 'esbio-dataset', not 'esbio-network'",
       [](data_group& t) { t.attrs["format"] = std::string("esbio-dataset"); }},
      {"/ attribute format is missing", [](data_group& t) { t.attrs.erase("format"); }},
      {"/ attribute version is 2, newer than this esbio reads (1): upgrade esbio",
       [](data_group& t) { t.attrs["version"] = 2.0; }},
      {"/recurrent is missing", [](data_group& t) { t.groups.erase("recurrent"); }},
      {"/recurrent/W is missing", [](data_group& t) { t.groups["recurrent"].arrays.erase("W"); }},
      {"/recurrent/W has shape (4, 5) where (5, 5) is needed",
       [](data_group& t) {
         auto& w = t.groups["recurrent"].arrays["W"];
         w.dims = {4, 5};
         w.values.resize(20);
       }},
      {"/recurrent/W holds NaN at index 7",
       [&](data_group& t) { t.groups["recurrent"].arrays["W"].values[7] = nan; }},
      {"/recurrent/mask holds 2 at [0, 1]: a mask is 0 (no connection) or 1",
       [](data_group& t) { t.groups["recurrent"].arrays["mask"].values[1] = 2; }},
      {"/recurrent/W is 0.5 at [2, 2] where the mask has no connection",
       [](data_group& t) { t.groups["recurrent"].arrays["W"].values[12] = 0.5; }},
      {"/recurrent/sign holds 0 at [4]: Dale's signs are +1 or -1",
       [](data_group& t) { t.groups["recurrent"].arrays["sign"].values[4] = 0; }},
      {"/recurrent attribute coupling is 'gap', not current or conductance",
       [](data_group& t) { t.groups["recurrent"].attrs["coupling"] = std::string("gap"); }},
      {"/populations/inh attribute model unknown neuron model 'izhikevich'",
       [](data_group& t) {
         t.groups["populations"].groups["inh"].attrs["model"] = std::string("izhikevich");
       }},
      {"/populations/exc/gna is not a constant of hodgkin_huxley",
       [](data_group& t) { t.groups["populations"].groups["exc"].attrs["gna"] = 1.0; }},
      {"/populations/exc/C is -1: C (membrane capacitance) must be positive",
       [](data_group& t) { t.groups["populations"].groups["exc"].attrs["C"] = -1.0; }},
      {"/populations/exc/gNa is -120: gNa",
       [](data_group& t) { t.groups["populations"].groups["exc"].arrays["gNa"].values[1] = -120; }},
      {"/populations/exc/gNa has shape (2,) where (3,) is needed",
       [](data_group& t) {
         auto& a = t.groups["populations"].groups["exc"].arrays["gNa"];
         a.dims = {2};
         a.values.resize(2);
       }},
      {"/populations/inh attribute count is 2.5: give a whole number",
       [](data_group& t) { t.groups["populations"].groups["inh"].attrs["count"] = 2.5; }},
      {"/populations/inh attribute count is not a number",
       [](data_group& t) {
         t.groups["populations"].groups["inh"].attrs["count"] = std::string("2");
       }},
      {"/populations/extra is not in /populations attribute order",
       [](data_group& t) {
         t.groups["populations"].groups["extra"] = t.groups["populations"].groups["inh"];
       }},
      {"/populations/inh attribute E_syn is missing",
       [](data_group& t) { t.groups["populations"].groups["inh"].attrs.erase("E_syn"); }},
      {"/populations/exc/initial_V is not allowed",
       [](data_group& t) { t.groups["populations"].groups["exc"].attrs["initial_V"] = -65.0; }},
      {"/input/W has shape (2, 4) where (channels, 5) is needed",
       [](data_group& t) {
         auto& w = t.groups["input"].arrays["W"];
         w.dims = {2, 4};
         w.values.resize(8);
       }},
      {"/input attribute gain is NaN",
       [&](data_group& t) { t.groups["input"].attrs["gain"] = nan; }},
      {"/readout attribute variable is 'voltage', not spike_indicator or rate",
       [](data_group& t) { t.groups["readout"].attrs["variable"] = std::string("voltage"); }},
      {"/readout attribute window_ms is [10, 50]",
       [](data_group& t) {
         t.groups["readout"].attrs["window_ms"] = std::vector<double>{10, 50};
       }},
      {"/trainable attribute blocks names 'W_rec', which is not a block",
       [](data_group& t) { t.groups["trainable"].attrs["blocks"] = std::string("W_rec"); }},
      {"/trainable attribute recurrent.W must be [lower, upper] with lower < upper",
       [](data_group& t) {
         t.groups["trainable"].attrs["recurrent.W"] = std::vector<double>{1, 0};
       }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.says);
    auto tree = good;
    c.edit(tree);
    const auto what = refusal(tree);
    CHECK(what.find("network file 'net.h5': ") == 0);
    CHECK(what.find(c.says) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

TEST_CASE("a file that is not a network file is refused before anything is read") {
  const auto path = temp_path("esbio_not_hdf5.h5");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is text\n", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH_AS(io::read_data_file(path, "network file", 1 << 20),
                       ("network file '" + path + "' is not an HDF5 file").c_str(), input_error);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(io::read_data_file(path, "network file", 1 << 20), input_error);
  // Larger arrays than the limit are refused by name, before they are read.
  const auto big = temp_path("esbio_big_network.h5");
  io::write_data_file(big, models::network_tree(rich()));
  try {
    io::read_data_file(big, "network file", 100);
    FAIL("read an array larger than the limit");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("more than the 0 MB esbio reads whole") != std::string::npos);
  }
  std::filesystem::remove(big);
}
