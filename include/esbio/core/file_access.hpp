#pragma once
// How the layers below io open the files a configuration names (a network file, a dataset),
// without knowing HDF5: io installs the readers when a program starts (io::install_file_access,
// called by the esbio executable and the test programs), and a task calls them here. A task
// built before they are installed gets a logic_error, never a silent default.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/data_tree.hpp"

namespace esbio {

// A file of arrays read in pieces (a dataset of 2 GB is never read whole).
class array_file {
 public:
  struct array_info {
    std::vector<std::size_t> dims;
    element_type type = element_type::float64;
    bool ragged = false;  // variable-length rows (the Spiking Heidelberg Digits' spikes)
  };
  virtual ~array_file() = default;
  virtual const std::string& path() const = 0;
  virtual const std::map<std::string, data_attribute>& attributes(const std::string& group) = 0;
  // nullptr when there is no dataset of that name; input_error when it is not one esbio reads.
  virtual const array_info* find(const std::string& name) = 0;
  // Rows [first, first + count) along the first dimension of a dense array, as float64.
  virtual void read_rows(const std::string& name, std::size_t first, std::size_t count,
                         std::span<double> out) = 0;
  // Row `row` of a ragged 1-D array.
  virtual std::vector<double> read_ragged(const std::string& name, std::size_t row) = 0;
  // Bytes read from the file so far (as stored).
  virtual std::uint64_t bytes_read() const = 0;
};

struct file_access {
  // A whole small file (what: how messages name it), arrays larger than max_bytes refused.
  std::function<data_group(const std::string& path, const std::string& what,
                           std::uint64_t max_bytes)>
      read_tree;
  std::function<std::unique_ptr<array_file>(const std::string& path, const std::string& what)>
      open_arrays;
  // The file's size in bytes and the SHA-256 of its contents (hex), for a run's record.
  std::function<std::pair<std::uint64_t, std::string>(const std::string& path)> fingerprint;
};

void install_file_access(file_access access);
// Bytes this process has read from array files (datasets) so far: what a rank's share of a
// large dataset costs it, logged per rank at the end of a run.
std::uint64_t array_bytes_read();
void count_array_bytes_read(std::uint64_t bytes);
const file_access& files();  // logic_error when nothing is installed

}  // namespace esbio
