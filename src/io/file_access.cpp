#include "esbio/io/file_access.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "esbio/core/error.hpp"
#include "esbio/core/file_access.hpp"
#include "esbio/core/sha256.hpp"
#include "esbio/io/data_file.hpp"
#include "h5_file.hpp"
#include "h5_tree.hpp"

namespace esbio::io {

namespace {

// One HDF5 file open for reading datasets piece by piece.
class h5_array_file final : public array_file {
 public:
  h5_array_file(const std::string& path, const std::string& what)
      : path_(path), what_(what), file_(h5::open_for_reading(path, what)) {}

  const std::string& path() const override { return path_; }

  const std::map<std::string, data_attribute>& attributes(const std::string& group) override {
    if (const auto it = attrs_.find(group); it != attrs_.end()) return it->second;
    std::map<std::string, data_attribute> out;
    if (group == "/" || h5::exists(file_, group)) {
      h5::handle g(H5Oopen(file_, group.c_str(), H5P_DEFAULT), H5Oclose, group.c_str());
      H5O_info_t info;
      if (H5Oget_info2(g, &info, H5O_INFO_NUM_ATTRS) < 0) refuse(group, "cannot be read");
      const h5::tree_reader r{what_, path_, 0};
      for (hsize_t k = 0; k < info.num_attrs; ++k) {
        const auto len =
            H5Aget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
        std::string name(static_cast<std::size_t>(std::max<ssize_t>(len, 0)), '\0');
        H5Aget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(), name.size() + 1,
                           H5P_DEFAULT);
        out[name] = h5::read_attribute(g, name, r, group);
      }
    }
    return attrs_[group] = std::move(out);
  }

  const array_info* find(const std::string& name) override {
    if (const auto it = info_.find(name); it != info_.end()) return &it->second;
    if (!h5::exists(file_, name)) return nullptr;
    H5O_info_t obj;
    if (H5Oget_info_by_name2(file_, name.c_str(), &obj, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
        obj.type != H5O_TYPE_DATASET)
      refuse("/" + name, "is not a dataset");
    h5::handle ds(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose, name.c_str());
    h5::handle type(H5Dget_type(ds), H5Tclose, "dataset type");
    h5::handle space(H5Dget_space(ds), H5Sclose, "dataset space");
    array_info a;
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    a.dims.assign(dims.begin(), dims.end());
    H5T_class_t cls = H5Tget_class(type);
    hid_t element = type;
    h5::handle base;
    if (cls == H5T_VLEN) {
      base = h5::handle(H5Tget_super(type), H5Tclose, "vlen base type");
      element = base;
      cls = H5Tget_class(base);
      a.ragged = true;
      if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        refuse("/" + name, "holds variable-length lists of something other than numbers");
      if (rank != 1) refuse("/" + name, "is a ragged array of more than one dimension");
    } else if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_ENUM) {
      refuse("/" + name, "holds neither numbers nor variable-length lists of numbers");
    }
    a.type = cls == H5T_FLOAT
                 ? (H5Tget_size(element) == 4 ? element_type::float32 : element_type::float64)
                 : element_type::integer;
    element_bytes_[name] = H5Tget_size(element);
    datasets_.emplace(name, std::move(ds));
    return &(info_[name] = a);
  }

  void read_rows(const std::string& name, std::size_t first, std::size_t count,
                 std::span<double> out) override {
    const auto* a = find(name);
    if (!a || a->ragged || a->dims.empty()) throw std::logic_error("read_rows: " + name);
    std::size_t row = 1;
    for (std::size_t d = 1; d < a->dims.size(); ++d) row *= a->dims[d];
    if (out.size() != count * row || first + count > a->dims[0])
      throw std::logic_error("read_rows: " + name + " out of range");
    if (count == 0) return;
    const auto& ds = datasets_.at(name);
    h5::handle space(H5Dget_space(ds), H5Sclose, "dataset space");
    std::vector<hsize_t> start(a->dims.size(), 0), extent(a->dims.begin(), a->dims.end());
    start[0] = first;
    extent[0] = count;
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr) <
        0)
      refuse("/" + name, "cannot be selected");
    h5::handle mem(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr),
                   H5Sclose, "memory space");
    h5::handle type(H5Dget_type(ds), H5Tclose, "dataset type");
    if (H5Tget_class(type) == H5T_ENUM) {
      // h5py's booleans: read the stored integers through the enum's own native type.
      h5::handle native(H5Tget_native_type(type, H5T_DIR_ASCEND), H5Tclose, "enum type");
      const std::size_t size = H5Tget_size(native);
      std::vector<unsigned char> raw(out.size() * size);
      if (H5Dread(ds, native, mem, space, H5P_DEFAULT, raw.data()) < 0)
        refuse("/" + name, "cannot be read (truncated or corrupt)");
      for (std::size_t k = 0; k < out.size(); ++k) {
        std::int64_t v = 0;
        std::memcpy(&v, raw.data() + k * size, std::min<std::size_t>(size, 8));
        out[k] = static_cast<double>(size == 1 ? static_cast<std::int8_t>(v) : v);
      }
    } else if (H5Dread(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, out.data()) < 0) {
      refuse("/" + name, "cannot be read (truncated or corrupt)");
    }
    bytes_ += out.size() * element_bytes_.at(name);
    count_array_bytes_read(out.size() * element_bytes_.at(name));
  }

  std::vector<double> read_ragged(const std::string& name, std::size_t row) override {
    const auto* a = find(name);
    if (!a || !a->ragged || row >= a->dims.at(0)) throw std::logic_error("read_ragged: " + name);
    const auto& ds = datasets_.at(name);
    h5::handle space(H5Dget_space(ds), H5Sclose, "dataset space");
    const hsize_t start[1] = {row}, one[1] = {1};
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, one, nullptr);
    h5::handle mem(H5Screate_simple(1, one, nullptr), H5Sclose, "memory space");
    h5::handle vtype(H5Tvlen_create(H5T_NATIVE_DOUBLE), H5Tclose, "vlen type");
    hvl_t v{0, nullptr};
    if (H5Dread(ds, vtype, mem, space, H5P_DEFAULT, &v) < 0)
      refuse("/" + name, "cannot be read (truncated or corrupt)");
    const auto* p = static_cast<const double*>(v.p);
    std::vector<double> out(p, p + v.len);
    H5Dvlen_reclaim(vtype, mem, H5P_DEFAULT, &v);
    bytes_ += out.size() * element_bytes_.at(name);
    count_array_bytes_read(out.size() * element_bytes_.at(name));
    return out;
  }

  std::uint64_t bytes_read() const override { return bytes_; }

 private:
  [[noreturn]] void refuse(const std::string& where, const std::string& problem) const {
    throw input_error(what_ + " '" + path_ + "': " + where + " " + problem);
  }
  std::string path_, what_;
  h5::handle file_;
  std::map<std::string, array_info> info_;
  std::map<std::string, h5::handle> datasets_;
  std::map<std::string, std::size_t> element_bytes_;
  std::map<std::string, std::map<std::string, data_attribute>> attrs_;
  std::uint64_t bytes_ = 0;
};

std::pair<std::uint64_t, std::string> fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error("'" + path + "' cannot be read");
  sha256 h;
  std::vector<char> buf(1 << 20);
  std::uint64_t size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    size += got;
    h.update({reinterpret_cast<const unsigned char*>(buf.data()), got});
  }
  return {size, h.hex()};
}

}  // namespace

void install_file_access() {
  esbio::install_file_access(
      {[](const std::string& path, const std::string& what, std::uint64_t max_bytes) {
         return read_data_file(path, what, max_bytes);
       },
       [](const std::string& path, const std::string& what) -> std::unique_ptr<array_file> {
         return std::make_unique<h5_array_file>(path, what);
       },
       fingerprint});
}

}  // namespace esbio::io
