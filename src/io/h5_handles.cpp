#include "h5_handles.hpp"

#include <stdexcept>

namespace esbio::io::h5 {

namespace {

// HDF5 prints its error stack to stderr by default; esbio reports failures itself, in one line.
struct silence_hdf5 {
  silence_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const silence_hdf5 silence;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("HDF5: " + what);
}

void check(herr_t rc, const std::string& what) {
  if (rc < 0) fail(what);
}

handle string_type() {
  handle t(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
  return t;
}

template <class T>
void write_scalar_attr(hid_t obj, const std::string& name, hid_t type, const T& value) {
  handle space(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  handle attr(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              name.c_str());
  check(H5Awrite(attr, type, &value), "write attribute " + name);
}

template <class T>
void write_1d_impl(hid_t parent, const std::string& name, std::span<const T> v, hid_t type,
                   bool extendible) {
  const hsize_t dims[1] = {v.size()};
  const hsize_t maxdims[1] = {extendible ? H5S_UNLIMITED : v.size()};
  handle space(H5Screate_simple(1, dims, maxdims), H5Sclose, "H5Screate_simple");
  handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate");
  if (extendible) {
    const hsize_t chunk[1] = {256};
    check(H5Pset_chunk(dcpl, 1, chunk), "H5Pset_chunk");
  }
  handle ds(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
            name.c_str());
  if (!v.empty()) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

template <class T>
std::vector<T> read_impl(hid_t parent, const std::string& name, hid_t type) {
  handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, name.c_str());
  handle space(H5Dget_space(ds), H5Sclose, "H5Dget_space");
  const auto n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail("extent of " + name);
  std::vector<T> v(static_cast<std::size_t>(n));
  if (n > 0) check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + name);
  return v;
}

}  // namespace

handle::handle(hid_t id, closer c, const char* what) : id_(id), close_(c) {
  if (id < 0) fail(std::string("cannot open or create ") + what);
}

handle& handle::operator=(handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void handle::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = H5I_INVALID_HID;
}

handle create_group(hid_t parent, const std::string& name) {
  return handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                name.c_str());
}

bool exists(hid_t parent, const std::string& path) {
  return H5Lexists(parent, path.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> member_names(hid_t group) {
  H5G_info_t info;
  check(H5Gget_info(group, &info), "H5Gget_info");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const auto len =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) fail("member name");
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

void write_attr(hid_t obj, const std::string& name, const std::string& value) {
  const auto t = string_type();
  const char* p = value.c_str();
  write_scalar_attr(obj, name, t, p);
}
void write_attr(hid_t obj, const std::string& name, std::int64_t value) {
  write_scalar_attr(obj, name, H5T_NATIVE_INT64, value);
}
void write_attr(hid_t obj, const std::string& name, std::uint64_t value) {
  write_scalar_attr(obj, name, H5T_NATIVE_UINT64, value);
}

void write_attr(hid_t obj, const std::string& name, double value) {
  write_scalar_attr(obj, name, H5T_NATIVE_DOUBLE, value);
}

std::string read_attr_string(hid_t obj, const std::string& name) {
  handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  handle stored(H5Aget_type(attr), H5Tclose, "attribute type");
  if (H5Tget_class(stored) != H5T_STRING) fail("attribute " + name + " is not a string");
  if (H5Tis_variable_str(stored) > 0) {
    const auto t = string_type();
    char* p = nullptr;
    check(H5Aread(attr, t, &p), "read attribute " + name);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  // A fixed-length string (numpy's 'S' type, as h5py stores np.bytes_ or an edited attribute):
  // read with its own length, padding removed.
  const std::size_t size = H5Tget_size(stored);
  handle t(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(t, size), "H5Tset_size");
  check(H5Tset_strpad(t, H5T_STR_NULLPAD), "H5Tset_strpad");
  std::string s(size, '\0');
  check(H5Aread(attr, t, s.data()), "read attribute " + name);
  s.erase(s.find_last_not_of(std::string("\0 ", 2)) + 1);
  return s;
}

std::int64_t read_attr_int(hid_t obj, const std::string& name) {
  handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  std::int64_t v = 0;
  check(H5Aread(attr, H5T_NATIVE_INT64, &v), "read attribute " + name);
  return v;
}

std::uint64_t read_attr_uint(hid_t obj, const std::string& name) {
  handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  std::uint64_t v = 0;
  check(H5Aread(attr, H5T_NATIVE_UINT64, &v), "read attribute " + name);
  return v;
}

void write_1d(hid_t parent, const std::string& name, std::span<const double> v, bool ext) {
  write_1d_impl(parent, name, v, H5T_NATIVE_DOUBLE, ext);
}
void write_1d(hid_t parent, const std::string& name, std::span<const std::int64_t> v, bool ext) {
  write_1d_impl(parent, name, v, H5T_NATIVE_INT64, ext);
}

void write_2d(hid_t parent, const std::string& name, std::span<const double> v, std::size_t rows,
              std::size_t cols) {
  write_nd(parent, name, v, {rows, cols});
}

void write_nd(hid_t parent, const std::string& name, std::span<const double> v,
              const std::vector<std::size_t>& shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  std::size_t count = 1;
  for (auto d : shape) count *= d;
  if (count != v.size()) fail("shape of " + name + " does not match its data");
  handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "H5Screate_simple");
  handle ds(H5Dcreate2(parent, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT),
            H5Dclose, name.c_str());
  check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

std::vector<double> read_doubles(hid_t parent, const std::string& name) {
  return read_impl<double>(parent, name, H5T_NATIVE_DOUBLE);
}
std::vector<std::int64_t> read_ints(hid_t parent, const std::string& name) {
  return read_impl<std::int64_t>(parent, name, H5T_NATIVE_INT64);
}

}  // namespace esbio::io::h5
