#pragma once
// The HDF5 run file (docs/design.md 5): one per run, readable by h5py, h5ls and h5dump.
//
//   /                  attributes: format, program_version, git_revision, config, config_hash,
//                      seed, ranks, task, method, sundials_version, mpi_version,
//                      instruction_set, start_time,
//                      status (running | stopped | failed | finished), generations_completed
//   /history/<name>    extendible 1-D datasets, one row per generation (block: the perturbed
//                      block's index, -1 none, -2 all parameters together)
//   /params/theta      final flat parameter vector; /params/<block> each block with its shape
//   /checkpoint/...    theta, optimiser moments and step counts, generation: enough to resume
//                      bit-identically
//   /network           the network the run trains, as a network file holds it (tasks B and
//                      network; esbio export writes the trained one); the root attributes
//                      data_file, data_size and data_sha256 record a task network's dataset
//
// Files are written whole to "<path>.tmp" and renamed over <path>, so a crash at any instant
// leaves the last complete checkpoint readable. Only rank 0 calls this layer.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "esbio/core/data_tree.hpp"
#include "esbio/core/named_array.hpp"
#include "esbio/core/params.hpp"
#include "esbio/train/train_state.hpp"

namespace esbio::io {

inline constexpr const char* run_format = "esbio-run-1";

struct run_metadata {
  std::string program_version, git_revision;
  std::string config;  // resolved configuration text
  std::uint64_t config_hash = 0;
  std::uint64_t seed = 0;
  std::int64_t ranks = 1;
  std::string task, method = "es";
  std::string sundials_version, mpi_version, start_time;
  std::string instruction_set;  // core/platform.hpp; empty in files written before it
  std::string status = "running";
  // What a run records of the files its configuration names (task network: the data file's
  // path, size and SHA-256), as root attributes a resume compares.
  std::vector<std::pair<std::string, std::string>> files;
  // The network a run trains (tasks with a network description), as /network in the format of
  // docs/network-files.md; empty for the other tasks and in files written before it.
  std::optional<data_group> network;
};

struct run_contents {
  run_metadata meta;
  train::train_state state;
};

void write_run_file(const std::string& path, const run_metadata& meta, const param_layout& layout,
                    const train::train_state& st);

// Reads a run file written by write_run_file. Throws input_error when the path is missing, is
// not HDF5, or is not an esbio run file.
run_contents read_run_file(const std::string& path);

// input_error naming the file and the first NaN or infinity in the checkpoint's theta or the
// optimiser's moments. esbio never writes one (a failed member is a status, not a number); a
// hand edit or a damaged copy can, and every command that continues from or evaluates a run's
// parameters refuses it before it is used. read_run_file does not call it, so `esbio info`
// still shows such a file.
void require_finite(const run_contents& rc, const std::string& path);

bool file_exists(const std::string& path);

// A flat result file for the analysis commands (scan, simulate): root attributes and 1-D columns
// in one group, written atomically like run files.
struct table_file {
  std::string format;  // e.g. "esbio-scan-1"
  std::string group;   // e.g. "scan"
  std::vector<std::pair<std::string, std::string>> text_attrs;
  std::vector<std::pair<std::string, double>> real_attrs;
  std::vector<std::pair<std::string, std::vector<double>>> columns;
  std::vector<named_array> arrays;  // N-dimensional datasets in the same group
};
void write_table_file(const std::string& path, const table_file& t);

}  // namespace esbio::io
