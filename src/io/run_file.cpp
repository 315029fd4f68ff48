#include "esbio/io/run_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "esbio/core/error.hpp"
#include "h5_handles.hpp"

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
    {"loss", &history_row::loss},           {"validation_loss", &history_row::validation_loss},
    {"accuracy", &history_row::accuracy},   {"sigma", &history_row::sigma},
    {"grad_norm", &history_row::grad_norm}, {"wall_s", &history_row::wall_s},
};
constexpr int_column int_columns[] = {
    {"generation", &history_row::generation},
    {"block", &history_row::block},
    {"failures", &history_row::failures},
    {"evaluations", &history_row::evaluations},
    {"solver_steps", &history_row::solver_steps},
    {"bytes_communicated", &history_row::bytes_communicated},
};

struct silence_hdf5 {
  silence_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const silence_hdf5 silence;

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
  h5::write_attr(file, "start_time", meta.start_time);
  h5::write_attr(file, "status", meta.status);
  h5::write_attr(file, "generations_completed", static_cast<std::int64_t>(st.generation));

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
}

}  // namespace

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

namespace {

// Write a whole file to "<path>.tmp" and rename it over path.
void write_atomically(const std::string& path, const std::function<void(hid_t)>& contents) {
  const std::string tmp = path + ".tmp";
  try {
    {
      h5::handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                      tmp.c_str());
      contents(file);
      if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw std::runtime_error("HDF5: flush " + tmp);
    }
    // rename(2) replaces the old file atomically: readers see the old or the new, never a mix.
    std::filesystem::rename(tmp, path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace

void write_run_file(const std::string& path, const run_metadata& meta, const param_layout& layout,
                    const train::train_state& st) {
  if (layout.size() != st.theta.size())
    throw std::invalid_argument("write_run_file: the layout does not describe theta");
  write_atomically(path, [&](hid_t file) { write_contents(file, meta, layout, st); });
}

void write_table_file(const std::string& path, const table_file& t) {
  write_atomically(path, [&](hid_t file) {
    h5::write_attr(file, "format", t.format);
    for (const auto& [k, v] : t.text_attrs) h5::write_attr(file, k, v);
    auto g = h5::create_group(file, t.group);
    for (const auto& [k, v] : t.real_attrs) h5::write_attr(g, k, v);
    for (const auto& [k, v] : t.columns) h5::write_1d(g, k, v, false);
    for (const auto& a : t.arrays) h5::write_nd(g, a.name, a.data, a.dims);
  });
}

run_contents read_run_file(const std::string& path) {
  if (!file_exists(path)) throw input_error("run file '" + path + "' does not exist");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw input_error("'" + path + "' is not an HDF5 file");
  h5::handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path.c_str());
  if (H5Aexists(file, "format") <= 0 || h5::read_attr_string(file, "format") != run_format)
    throw input_error("'" + path + "' is an HDF5 file but not an esbio run file");
  if (!h5::exists(file, "checkpoint") || !h5::exists(file, "history"))
    throw input_error("'" + path + "' has no checkpoint to read");

  run_contents rc;
  auto& m = rc.meta;
  m.program_version = h5::read_attr_string(file, "program_version");
  m.git_revision = h5::read_attr_string(file, "git_revision");
  m.config = h5::read_attr_string(file, "config");
  m.config_hash = h5::read_attr_uint(file, "config_hash");
  m.seed = h5::read_attr_uint(file, "seed");
  m.ranks = h5::read_attr_int(file, "ranks");
  m.task = h5::read_attr_string(file, "task");
  m.method = h5::read_attr_string(file, "method");
  m.sundials_version = h5::read_attr_string(file, "sundials_version");
  m.mpi_version = h5::read_attr_string(file, "mpi_version");
  m.start_time = h5::read_attr_string(file, "start_time");
  m.status = h5::read_attr_string(file, "status");

  h5::handle ck(H5Gopen2(file, "checkpoint", H5P_DEFAULT), H5Gclose, "checkpoint");
  auto& st = rc.state;
  st.generation = static_cast<std::uint32_t>(h5::read_attr_int(ck, "generation"));
  st.theta = h5::read_doubles(ck, "theta");
  st.optimizer.m = h5::read_doubles(ck, "optimizer_m");
  st.optimizer.v = h5::read_doubles(ck, "optimizer_v");
  st.optimizer.steps = h5::read_ints(ck, "optimizer_steps");

  h5::handle hist(H5Gopen2(file, "history", H5P_DEFAULT), H5Gclose, "history");
  const auto gens = h5::read_ints(hist, "generation");
  st.history.resize(gens.size());
  for (const auto& c : real_columns) {
    const auto v = h5::read_doubles(hist, c.name);
    if (v.size() != gens.size()) throw input_error("'" + path + "' has a ragged history");
    for (std::size_t i = 0; i < v.size(); ++i) st.history[i].*c.field = v[i];
  }
  for (const auto& c : int_columns) {
    const auto v = h5::read_ints(hist, c.name);
    if (v.size() != gens.size()) throw input_error("'" + path + "' has a ragged history");
    for (std::size_t i = 0; i < v.size(); ++i) st.history[i].*c.field = v[i];
  }
  return rc;
}

}  // namespace esbio::io
