#include "esbio/io/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "esbio/core/error.hpp"
#include "h5_handles.hpp"

namespace esbio::io {

namespace {

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

std::string directory_of(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// What lstat says is at path: nothing (errno set), or its mode.
bool lstat_mode(const std::string& path, mode_t& mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  mode = st.st_mode;
  return true;
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

bool is_esbio_file(const std::string& path) {
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return false;
  bool ours = false;
  if (H5Aexists(file, "format") > 0) {
    try {
      ours = h5::read_attr_string(file, "format").rfind("esbio-", 0) == 0;
    } catch (const std::exception&) {
      ours = false;
    }
  }
  H5Fclose(file);
  return ours;
}

// The directory must exist and accept new files: try one (as root, access(2) says yes to
// read-only mounts and to /proc, so only a real creation answers).
void check_directory(const std::string& path) {
  const auto dir = directory_of(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw input_error("the directory of output " + quoted(path) + " does not exist");
  std::random_device rd;
  const std::string probe =
      dir + "/.esbio-probe-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw input_error("cannot create files in the directory of output " + quoted(path) + " (" +
                      std::strerror(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

void check_temporary(const std::string& path) {
  mode_t mode = 0;
  if (lstat_mode(path + ".tmp", mode) && !S_ISREG(mode))
    throw input_error(quoted(path + ".tmp") + " (where " + quoted(path) +
                      " is written first) exists and is " + kind_of(mode) + "; remove it");
}

}  // namespace

void check_new_output(const std::string& path, bool force, const std::string& alternative) {
  if (path.empty()) throw input_error("the output file name is empty");
  mode_t mode = 0;
  if (lstat_mode(path, mode)) {
    if (!S_ISREG(mode))
      throw input_error("output " + quoted(path) + " is " + kind_of(mode) +
                        "; esbio writes only regular files");
    if (!force)
      throw input_error("output " + quoted(path) + " exists; pass --force to overwrite it" +
                        alternative);
    struct stat st {};
    ::stat(path.c_str(), &st);
    if (st.st_size != 0 && !is_esbio_file(path))
      throw input_error("output " + quoted(path) +
                        " is not an esbio file; --force replaces only esbio files and empty files");
  } else if (errno != ENOENT) {
    throw input_error("cannot examine output " + quoted(path) + " (" + std::strerror(errno) + ")");
  }
  check_temporary(path);
  check_directory(path);
}

void check_rewritable(const std::string& path) {
  check_input_file(path, "run file");
  mode_t mode = 0;
  if (lstat_mode(path, mode) && S_ISLNK(mode))
    throw input_error("run file " + quoted(path) +
                      " is a symbolic link; resume the file it points to (a checkpoint would "
                      "replace the link)");
  check_temporary(path);
  check_directory(path);
}

void check_input_file(const std::string& path, const std::string& what) {
  mode_t mode = 0;
  if (!lstat_mode(path, mode)) {
    if (errno == ENOENT) throw input_error(what + " " + quoted(path) + " does not exist");
    throw input_error("cannot examine " + what + " " + quoted(path) + " (" + std::strerror(errno) +
                      ")");
  }
  if (S_ISLNK(mode)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      throw input_error(what + " " + quoted(path) + " is a broken symbolic link");
    mode = st.st_mode;
  }
  if (!S_ISREG(mode)) throw input_error(what + " " + quoted(path) + " is " + kind_of(mode));
  if (::access(path.c_str(), R_OK) != 0)
    throw input_error(what + " " + quoted(path) + " cannot be read (" + std::strerror(errno) + ")");
}

void remove_stale_temporary(const std::string& path) {
  mode_t mode = 0;
  if (lstat_mode(path + ".tmp", mode) && S_ISREG(mode)) ::unlink((path + ".tmp").c_str());
}

void write_all(int fd, std::span<const char> bytes, const std::string& name) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      if (e == ENOSPC || e == EDQUOT)
        throw write_error("the disk is full (" + std::string(std::strerror(e)) + ") writing " +
                          quoted(name));
      throw write_error("cannot write " + quoted(name) + " (" + std::strerror(e) + ")");
    }
    done += static_cast<std::size_t>(n);
  }
}

void write_file_atomically(const std::string& path, std::span<const char> bytes) {
  const std::string tmp = path + ".tmp";
  const auto fail = [&](const std::string& what) {
    ::unlink(tmp.c_str());
    throw write_error(what + "; " + quoted(path) + " is unchanged");
  };
  // A regular file under the temporary name is a stale one from a killed run (anything else was
  // refused before the run started); O_EXCL then guarantees the file written is our own.
  remove_stale_temporary(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0)
    throw write_error("cannot create " + quoted(tmp) + " (" + std::strerror(errno) + "); " +
                      quoted(path) + " is unchanged");
  try {
    write_all(fd, bytes, tmp);
  } catch (const write_error& e) {
    ::close(fd);
    fail(e.what());
  }
  // Durable before it is visible: the rename must never expose a file whose blocks are not yet
  // on disk (after a power loss it would read as zeros).
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    fail((e == ENOSPC || e == EDQUOT ? "the disk is full (" : "cannot flush (") +
         std::string(std::strerror(e)) + ") writing " + quoted(tmp));
  }
  if (::close(fd) != 0) fail("cannot close " + quoted(tmp) + " (" + std::strerror(errno) + ")");
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    fail("cannot rename " + quoted(tmp) + " to " + quoted(path) + " (" + std::strerror(errno) +
         ")");
  // The rename itself is durable only once the directory is flushed.
  const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace esbio::io
