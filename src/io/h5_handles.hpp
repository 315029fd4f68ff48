#pragma once
// RAII over HDF5 identifiers: every H5*open/create is paired with its close even when a write
// throws half-way, so a failed checkpoint never leaks handles or leaves the library locked.

#include <hdf5.h>

#include <span>
#include <string>
#include <vector>

namespace esbio::io::h5 {

class handle {
 public:
  using closer = herr_t (*)(hid_t);
  handle() = default;
  handle(hid_t id, closer c, const char* what);
  ~handle() { reset(); }
  handle(handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  handle& operator=(handle&& o) noexcept;
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
  closer close_ = nullptr;
};

handle create_group(hid_t parent, const std::string& name);
bool exists(hid_t parent, const std::string& path);
// The names of a group's members, in HDF5's name order.
std::vector<std::string> member_names(hid_t group);

void write_attr(hid_t obj, const std::string& name, const std::string& value);
void write_attr(hid_t obj, const std::string& name, std::int64_t value);
void write_attr(hid_t obj, const std::string& name, std::uint64_t value);
void write_attr(hid_t obj, const std::string& name, double value);
std::string read_attr_string(hid_t obj, const std::string& name);
std::int64_t read_attr_int(hid_t obj, const std::string& name);
std::uint64_t read_attr_uint(hid_t obj, const std::string& name);

// 1-D dataset; extendible ones are chunked with an unlimited maximum size.
void write_1d(hid_t parent, const std::string& name, std::span<const double> v, bool extendible);
void write_1d(hid_t parent, const std::string& name, std::span<const std::int64_t> v,
              bool extendible);
void write_2d(hid_t parent, const std::string& name, std::span<const double> v, std::size_t rows,
              std::size_t cols);
void write_nd(hid_t parent, const std::string& name, std::span<const double> v,
              const std::vector<std::size_t>& dims);
std::vector<double> read_doubles(hid_t parent, const std::string& name);
std::vector<std::int64_t> read_ints(hid_t parent, const std::string& name);

}  // namespace esbio::io::h5
