#include "esbio/io/run_file.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string_view>

#include "esbio/core/error.hpp"
#include "esbio/io/output_file.hpp"
#include "h5_file.hpp"
#include "h5_handles.hpp"
#include "h5_tree.hpp"

namespace esbio::io {

namespace {

using train::history_row;

// One table drives both writing and reading the history, so the two cannot drift apart.
struct real_column {
  const char* name;
  double history_row::*field;
};
struct int_column {
  const char* name;
  std::int64_t history_row::*field;
};
constexpr real_column real_columns[] = {
    {"loss", &history_row::loss},
    {"validation_loss", &history_row::validation_loss},
    {"validation_accuracy", &history_row::validation_accuracy},
    {"accuracy", &history_row::accuracy},
    {"sigma", &history_row::sigma},
    {"grad_norm", &history_row::grad_norm},
    {"wall_s", &history_row::wall_s},
};
// Columns added after the format's first files: absent in older files, read as NaN.
bool added_later(const char* column) {
  return std::string_view(column) == "validation_accuracy";
}
constexpr int_column int_columns[] = {
    {"generation", &history_row::generation},
    {"block", &history_row::block},
    {"failures", &history_row::failures},
    {"evaluations", &history_row::evaluations},
    {"solver_steps", &history_row::solver_steps},
    {"bytes_communicated", &history_row::bytes_communicated},
};

void write_contents(hid_t file, const run_metadata& meta, const param_layout& layout,
                    const train::train_state& st) {
  h5::write_attr(file, "format", std::string(run_format));
  h5::write_attr(file, "program_version", meta.program_version);
  h5::write_attr(file, "git_revision", meta.git_revision);
  h5::write_attr(file, "config", meta.config);
  h5::write_attr(file, "config_hash", meta.config_hash);
  h5::write_attr(file, "seed", meta.seed);
  h5::write_attr(file, "ranks", meta.ranks);
  h5::write_attr(file, "task", meta.task);
  h5::write_attr(file, "method", meta.method);
  h5::write_attr(file, "sundials_version", meta.sundials_version);
  h5::write_attr(file, "mpi_version", meta.mpi_version);
  h5::write_attr(file, "instruction_set", meta.instruction_set);
  h5::write_attr(file, "start_time", meta.start_time);
  h5::write_attr(file, "status", meta.status);
  h5::write_attr(file, "generations_completed", static_cast<std::int64_t>(st.generation));
  for (const auto& [k, v] : meta.files) h5::write_attr(file, k, v);
  if (meta.network) {
    auto g = h5::create_group(file, "network");
    h5::write_tree(g, *meta.network);
  }

  auto hist = h5::create_group(file, "history");
  std::vector<double> real(st.history.size());
  for (const auto& c : real_columns) {
    for (std::size_t i = 0; i < st.history.size(); ++i) real[i] = st.history[i].*c.field;
    h5::write_1d(hist, c.name, real, true);
  }
  std::vector<std::int64_t> ints(st.history.size());
  for (const auto& c : int_columns) {
    for (std::size_t i = 0; i < st.history.size(); ++i) ints[i] = st.history[i].*c.field;
    h5::write_1d(hist, c.name, ints, true);
  }

  auto params = h5::create_group(file, "params");
  std::string names;
  for (const auto& b : layout.blocks()) names += (names.empty() ? "" : ",") + b.name;
  h5::write_attr(params, "blocks", names);
  h5::write_1d(params, "theta", st.theta, false);
  for (const auto& b : layout.blocks())
    h5::write_2d(params, b.name, std::span(st.theta).subspan(b.offset, b.size()), b.rows, b.cols);

  auto ck = h5::create_group(file, "checkpoint");
  h5::write_attr(ck, "generation", static_cast<std::int64_t>(st.generation));
  h5::write_attr(ck, "config_hash", meta.config_hash);
  h5::write_1d(ck, "theta", st.theta, false);
  h5::write_1d(ck, "optimizer_m", st.optimizer.m, false);
  h5::write_1d(ck, "optimizer_v", st.optimizer.v, false);
  h5::write_1d(ck, "optimizer_steps", st.optimizer.steps, false);
  if (!st.search.empty()) {
    auto strat = h5::create_group(ck, "strategy");
    st.search.for_each([&](const std::string& name, std::span<const double> v) {
      h5::write_1d(strat, name, v, false);
    });
  }
}

}  // namespace

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

void write_run_file(const std::string& path, const run_metadata& meta, const param_layout& layout,
                    const train::train_state& st) {
  if (layout.size() != st.theta.size())
    throw std::invalid_argument("write_run_file: the layout does not describe theta");
  h5::write_atomically(path, [&](hid_t file) { write_contents(file, meta, layout, st); });
}

void write_table_file(const std::string& path, const table_file& t) {
  h5::write_atomically(path, [&](hid_t file) {
    h5::write_attr(file, "format", t.format);
    for (const auto& [k, v] : t.text_attrs) h5::write_attr(file, k, v);
    auto g = h5::create_group(file, t.group);
    for (const auto& [k, v] : t.real_attrs) h5::write_attr(g, k, v);
    for (const auto& [k, v] : t.columns) h5::write_1d(g, k, v, false);
    for (const auto& a : t.arrays) h5::write_nd(g, a.name, a.data, a.dims);
  });
}

namespace {

// Reading an esbio file: every problem is an input_error naming the file and what is wrong.
class run_reader {
 public:
  explicit run_reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void damaged(const std::string& what) const {
    throw input_error("run file '" + path_ + "' is damaged: " + what);
  }
  hid_t open() {
    file_ = h5::open_for_reading(path_, "run file");
    if (H5Aexists(file_, "format") <= 0 || h5::read_attr_string(file_, "format") != run_format)
      throw input_error("'" + path_ + "' is an HDF5 file but not an esbio run file");
    return file_;
  }
  void need_attr(hid_t obj, const std::string& where, const char* name) const {
    if (H5Aexists(obj, name) <= 0) damaged("the attribute " + where + name + " is missing");
  }
  h5::handle group(const char* name) const {
    if (!h5::exists(file_, name)) damaged("/" + std::string(name) + " is missing");
    return h5::handle(H5Gopen2(file_, name, H5P_DEFAULT), H5Gclose, name);
  }
  void need_dataset(hid_t group, const std::string& where, const char* name) const {
    if (!h5::exists(group, name)) damaged(where + name + " is missing");
  }

 private:
  std::string path_;
  h5::handle file_;
};

}  // namespace

run_contents read_run_file(const std::string& path) {
  run_reader r(path);
  const hid_t file = r.open();
  run_contents rc;
  try {
    auto& m = rc.meta;
    const auto text = [&](const char* name) {
      r.need_attr(file, "", name);
      return h5::read_attr_string(file, name);
    };
    m.program_version = text("program_version");
    m.git_revision = text("git_revision");
    m.config = text("config");
    m.task = text("task");
    m.method = text("method");
    m.sundials_version = text("sundials_version");
    m.mpi_version = text("mpi_version");
    if (H5Aexists(file, "instruction_set") > 0)
      m.instruction_set = h5::read_attr_string(file, "instruction_set");
    m.start_time = text("start_time");
    m.status = text("status");
    for (const char* name : {"data_file", "data_size", "data_sha256"})
      if (H5Aexists(file, name) > 0) m.files.emplace_back(name, h5::read_attr_string(file, name));
    if (h5::exists(file, "network")) {
      h5::handle g(H5Gopen2(file, "network", H5P_DEFAULT), H5Gclose, "network");
      m.network = h5::tree_reader{"run file", path, std::uint64_t{1} << 31}.read(g, "/network");
    }
    for (const char* name : {"config_hash", "seed", "ranks"}) r.need_attr(file, "", name);
    m.config_hash = h5::read_attr_uint(file, "config_hash");
    m.seed = h5::read_attr_uint(file, "seed");
    m.ranks = h5::read_attr_int(file, "ranks");

    auto& st = rc.state;
    {
      const auto ck = r.group("checkpoint");
      r.need_attr(ck, "/checkpoint/", "generation");
      const auto generation = h5::read_attr_int(ck, "generation");
      for (const char* name : {"theta", "optimizer_m", "optimizer_v", "optimizer_steps"})
        r.need_dataset(ck, "/checkpoint/", name);
      st.theta = h5::read_doubles(ck, "theta");
      st.optimizer.m = h5::read_doubles(ck, "optimizer_m");
      st.optimizer.v = h5::read_doubles(ck, "optimizer_v");
      st.optimizer.steps = h5::read_ints(ck, "optimizer_steps");
      // The strategy's own state (absent for song and openai, and in files written before it).
      if (h5::exists(ck, "strategy")) {
        h5::handle strat(H5Gopen2(ck, "strategy", H5P_DEFAULT), H5Gclose, "strategy");
        es::search_state::record fields;
        for (const auto& name : h5::member_names(strat))
          fields[name] = h5::read_doubles(strat, name);
        st.search = es::search_state::from_record(std::move(fields));
      }
      if (generation < 0 || generation > 0xFFFFFFFELL)
        r.damaged("/checkpoint/generation = " + std::to_string(generation) + " is out of range");
      st.generation = static_cast<std::uint32_t>(generation);
      if (st.theta.empty()) r.damaged("/checkpoint/theta is empty");
      for (const auto* v : {&st.optimizer.m, &st.optimizer.v})
        if (!v->empty() && v->size() != st.theta.size())
          r.damaged("the optimiser moments do not match theta's " +
                    std::to_string(st.theta.size()) + " entries");
    }
    const auto hist = r.group("history");
    r.need_dataset(hist, "/history/", "generation");
    const auto gens = h5::read_ints(hist, "generation");
    st.history.resize(gens.size());
    for (const auto& c : real_columns) {
      if (added_later(c.name) && !h5::exists(hist, c.name)) {
        for (auto& row : st.history) row.*c.field = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      r.need_dataset(hist, "/history/", c.name);
      const auto v = h5::read_doubles(hist, c.name);
      if (v.size() != gens.size()) r.damaged("the history columns differ in length");
      for (std::size_t i = 0; i < v.size(); ++i) st.history[i].*c.field = v[i];
    }
    for (const auto& c : int_columns) {
      r.need_dataset(hist, "/history/", c.name);
      const auto v = h5::read_ints(hist, c.name);
      if (v.size() != gens.size()) r.damaged("the history columns differ in length");
      for (std::size_t i = 0; i < v.size(); ++i) st.history[i].*c.field = v[i];
    }
    if (gens.size() != st.generation)
      r.damaged("the checkpoint is at generation " + std::to_string(st.generation) +
                " but the history has " + std::to_string(gens.size()) + " rows");
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const input_error*>(&e)) throw;
    r.damaged(e.what());  // a read HDF5 could not complete: truncated or corrupt data
  }
  return rc;
}

void require_finite(const run_contents& rc, const std::string& path) {
  const auto check = [&](const std::vector<double>& v, const char* dataset) {
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!std::isfinite(v[k]))
        throw input_error("run file '" + path + "': " + dataset + " holds " +
                          (std::isnan(v[k]) ? "NaN" : "an infinity") + " at [" + std::to_string(k) +
                          "] (edited or damaged): not a state to continue "
                          "from or evaluate");
  };
  check(rc.state.theta, "/checkpoint/theta");
  check(rc.state.optimizer.m, "/checkpoint/optimizer_m");
  check(rc.state.optimizer.v, "/checkpoint/optimizer_v");
}

}  // namespace esbio::io
