#include "h5_tree.hpp"

#include <cmath>
#include <cstring>
#include <vector>

#include "esbio/core/error.hpp"
#include "h5_handles.hpp"

namespace esbio::io::h5 {

namespace {

std::string join(const std::string& path, const std::string& name) {
  return path == "/" ? "/" + name : path + "/" + name;
}

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_STRING:
      return "strings";
    case H5T_COMPOUND:
      return "compound records";
    case H5T_REFERENCE:
      return "references";
    case H5T_OPAQUE:
      return "opaque bytes";
    case H5T_VLEN:
      return "variable-length lists";
    case H5T_ARRAY:
      return "array-typed elements";
    case H5T_BITFIELD:
      return "bit fields";
    case H5T_TIME:
      return "time values";
    default:
      return "values of an unknown type";
  }
}

bool numeric(H5T_class_t c) {
  return c == H5T_INTEGER || c == H5T_FLOAT || c == H5T_ENUM;
}

// Raw integers of the given size and signedness, widened to double.
std::vector<double> widen(const std::vector<unsigned char>& raw, std::size_t size, bool is_signed) {
  std::vector<double> out(raw.size() / size);
  for (std::size_t k = 0; k < out.size(); ++k) {
    const unsigned char* p = raw.data() + k * size;
    std::int64_t v = 0;
    std::uint64_t u = 0;
    switch (size) {
      case 1:
        v = is_signed ? std::int8_t(p[0]) : std::int64_t(p[0]);
        break;
      case 2: {
        std::int16_t s;
        std::uint16_t us;
        std::memcpy(&s, p, 2);
        std::memcpy(&us, p, 2);
        v = is_signed ? s : us;
        break;
      }
      case 4: {
        std::int32_t s;
        std::uint32_t us;
        std::memcpy(&s, p, 4);
        std::memcpy(&us, p, 4);
        v = is_signed ? s : us;
        break;
      }
      default:
        std::memcpy(&v, p, 8);
        std::memcpy(&u, p, 8);
        if (!is_signed) {
          out[k] = static_cast<double>(u);
          continue;
        }
    }
    out[k] = static_cast<double>(v);
  }
  return out;
}

// Numbers of a dataset or attribute (read_fn reads with a memory type into a buffer), as
// doubles; enums (h5py's booleans) by their integer values.
template <class Read>
std::vector<double> read_numbers(hid_t type, std::size_t count, Read&& read_fn) {
  if (H5Tget_class(type) != H5T_ENUM) {
    std::vector<double> v(count);
    if (count > 0 && read_fn(H5T_NATIVE_DOUBLE, v.data()) < 0)
      throw std::runtime_error("HDF5: read");
    return v;
  }
  handle native(H5Tget_native_type(type, H5T_DIR_ASCEND), H5Tclose, "enum type");
  handle base(H5Tget_super(type), H5Tclose, "enum base type");
  const std::size_t size = H5Tget_size(native);
  std::vector<unsigned char> raw(count * size);
  if (count > 0 && read_fn(native, raw.data()) < 0) throw std::runtime_error("HDF5: read");
  return widen(raw, size, H5Tget_sign(base) == H5T_SGN_2);
}

}  // namespace

void tree_reader::refuse(const std::string& path, const std::string& problem) const {
  throw input_error(what + " '" + file + "': " + path + " " + problem);
}

data_attribute read_attribute(hid_t obj, const std::string& name, const tree_reader& r,
                              const std::string& path) {
  const std::string where = path + " attribute " + name;
  handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  handle type(H5Aget_type(attr), H5Tclose, "attribute type");
  handle space(H5Aget_space(attr), H5Sclose, "attribute space");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank > 1)
    r.refuse(where, "has " + std::to_string(rank) + " dimensions (give a scalar or a list)");
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  const H5T_class_t cls = H5Tget_class(type);
  if (numeric(cls)) {
    auto v =
        read_numbers(type, count, [&](hid_t mem, void* buf) { return H5Aread(attr, mem, buf); });
    if (rank == 0) return v.at(0);
    return v;
  }
  if (cls != H5T_STRING) r.refuse(where, std::string("holds ") + class_name(cls));
  std::vector<std::string> out(count);
  if (H5Tis_variable_str(type) > 0) {
    handle mem(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5Tget_cset(type));
    std::vector<char*> ptrs(count, nullptr);
    if (H5Aread(attr, mem, ptrs.data()) < 0) r.refuse(where, "cannot be read");
    for (std::size_t k = 0; k < count; ++k) out[k] = ptrs[k] ? ptrs[k] : "";
    H5Dvlen_reclaim(mem, space, H5P_DEFAULT, ptrs.data());
  } else {
    // Fixed length (numpy's 'S' strings, h5py's np.bytes_): padded with NULs or spaces.
    const std::size_t size = H5Tget_size(type);
    handle mem(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
    H5Tset_size(mem, size);
    H5Tset_strpad(mem, H5T_STR_NULLPAD);
    H5Tset_cset(mem, H5Tget_cset(type));
    std::vector<char> buf(count * size + 1, '\0');
    if (H5Aread(attr, mem, buf.data()) < 0) r.refuse(where, "cannot be read");
    for (std::size_t k = 0; k < count; ++k) {
      std::string s(buf.data() + k * size, size);
      s.erase(s.find_last_not_of(std::string("\0 ", 2)) + 1);
      out[k] = s;
    }
  }
  if (rank == 0) return out.at(0);
  return out;
}

data_group tree_reader::read(hid_t group, const std::string& path) const {
  data_group g;
  H5O_info_t info;
  if (H5Oget_info2(group, &info, H5O_INFO_NUM_ATTRS) < 0) refuse(path, "cannot be read");
  for (hsize_t k = 0; k < info.num_attrs; ++k) {
    const auto len =
        H5Aget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
    if (len < 0) refuse(path, "has an attribute whose name cannot be read");
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Aget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    g.attrs[name] = read_attribute(group, name, *this, path);
  }
  for (const auto& name : member_names(group)) {
    const std::string where = join(path, name);
    H5L_info_t link;
    if (H5Lget_info(group, name.c_str(), &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD)
      refuse(where, "is a soft or external link (give the data itself)");
    H5O_info_t obj;
    if (H5Oget_info_by_name2(group, name.c_str(), &obj, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
      refuse(where, "cannot be read");
    if (obj.type == H5O_TYPE_GROUP) {
      handle sub(H5Gopen2(group, name.c_str(), H5P_DEFAULT), H5Gclose, name.c_str());
      g.groups[name] = read(sub, where);
      continue;
    }
    if (obj.type != H5O_TYPE_DATASET) refuse(where, "is neither a group nor a dataset");
    handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, name.c_str());
    handle type(H5Dget_type(ds), H5Tclose, "dataset type");
    handle space(H5Dget_space(ds), H5Sclose, "dataset space");
    const H5T_class_t cls = H5Tget_class(type);
    if (!numeric(cls)) refuse(where, std::string("holds ") + class_name(cls) + ", not numbers");
    data_array a;
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    a.dims.assign(dims.begin(), dims.end());
    const double bytes = 8.0 * static_cast<double>(a.size());
    if (bytes > static_cast<double>(max_bytes))
      refuse(where, "has " + std::to_string(a.size()) + " values (" +
                        std::to_string(static_cast<long long>(bytes / 1e6)) +
                        " MB as float64), more than the " + std::to_string(max_bytes / 1000000) +
                        " MB esbio reads whole");
    a.type = cls == H5T_FLOAT
                 ? (H5Tget_size(type) == 4 ? element_type::float32 : element_type::float64)
                 : element_type::integer;
    try {
      a.values = read_numbers(type, a.size(), [&](hid_t mem, void* buf) {
        return H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
      });
    } catch (const std::runtime_error&) {
      refuse(where, "cannot be read (truncated or corrupt)");
    }
    // Attributes of datasets are not part of any esbio schema; they are ignored.
    g.arrays[name] = std::move(a);
  }
  return g;
}

void write_tree(hid_t group, const data_group& g) {
  for (const auto& [name, value] : g.attrs) {
    if (const auto* d = std::get_if<double>(&value)) {
      write_attr(group, name, *d);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      write_attr(group, name, *s);
    } else if (const auto* v = std::get_if<std::vector<double>>(&value)) {
      const hsize_t n[1] = {v->size()};
      handle space(H5Screate_simple(1, n, nullptr), H5Sclose, "attribute space");
      handle attr(
          H5Acreate2(group, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT),
          H5Aclose, name.c_str());
      if (!v->empty() && H5Awrite(attr, H5T_NATIVE_DOUBLE, v->data()) < 0)
        throw std::runtime_error("HDF5: write attribute " + name);
    } else {
      const auto& list = std::get<std::vector<std::string>>(value);
      handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      const hsize_t n[1] = {list.size()};
      handle space(H5Screate_simple(1, n, nullptr), H5Sclose, "attribute space");
      handle attr(H5Acreate2(group, name.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                  name.c_str());
      std::vector<const char*> ptrs;
      for (const auto& s : list) ptrs.push_back(s.c_str());
      if (!ptrs.empty() && H5Awrite(attr, t, ptrs.data()) < 0)
        throw std::runtime_error("HDF5: write attribute " + name);
    }
  }
  for (const auto& [name, a] : g.arrays) {
    std::vector<hsize_t> dims(a.dims.begin(), a.dims.end());
    handle space(a.dims.empty()
                     ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                 H5Sclose, "dataset space");
    const hid_t file_type = a.type == element_type::float32   ? H5T_IEEE_F32LE
                            : a.type == element_type::integer ? H5T_STD_I64LE
                                                              : H5T_IEEE_F64LE;
    handle ds(
        H5Dcreate2(group, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose, name.c_str());
    if (!a.values.empty() &&
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()) < 0)
      throw std::runtime_error("HDF5: write " + name);
  }
  for (const auto& [name, sub] : g.groups) {
    auto h = create_group(group, name);
    write_tree(h, sub);
  }
}

}  // namespace esbio::io::h5
