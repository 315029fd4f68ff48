#include "h5_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "esbio/core/error.hpp"
#include "esbio/io/output_file.hpp"

namespace esbio::io::h5 {

namespace {

// HDF5 1.10 takes an flock on every file it opens (shared to read, exclusive to write), so a
// file another process has open for writing (h5py in "a" or "w" mode, a running esbio) cannot be
// opened: tell that apart from a damaged file by asking for the shared lock ourselves.
bool locked_by_writer(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

}  // namespace

handle open_for_reading(const std::string& path, const std::string& what) {
  check_input_file(path, what);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw input_error(what + " '" + path + "' is not an HDF5 file");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    if (locked_by_writer(path))
      throw input_error(what + " '" + path +
                        "' is locked by another process that has it open for writing (close it "
                        "there, e.g. the h5py file, and try again)");
    throw input_error(what + " '" + path +
                      "' is damaged: HDF5 cannot open it (truncated or corrupt)");
  }
  return handle(id, H5Fclose, path.c_str());
}

void write_atomically(const std::string& path, const std::function<void(hid_t)>& contents) {
  std::vector<char> image;
  {
    handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties");
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) < 0)
      throw std::runtime_error("HDF5: cannot select the in-memory driver");
    handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
                "an in-memory file");
    contents(file);
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw std::runtime_error("HDF5: flush in memory");
    const auto size = H5Fget_file_image(file, nullptr, 0);
    if (size < 0) throw std::runtime_error("HDF5: size of the file image");
    image.resize(static_cast<std::size_t>(size));
    if (H5Fget_file_image(file, image.data(), image.size()) != size)
      throw std::runtime_error("HDF5: copy of the file image");
  }
  write_file_atomically(path, image);
}

}  // namespace esbio::io::h5
