#pragma once
// What esbio may do to the paths it is given, decided before any work starts, and how it writes
// them: the only place esbio creates, replaces or removes a file.
//
// Policy (every violation is an input_error naming the path, raised before anything is written):
//  - an output that does not exist needs an existing directory that esbio can create files in
//    (tried with a probe file that is removed at once);
//  - an existing output is refused unless --force, and --force replaces only a regular file that
//    is an esbio file (HDF5 with an "esbio-..." format attribute) or empty: never a directory, a
//    device, a FIFO, a socket, a symbolic link or somebody else's data;
//  - "<path>.tmp", the name a new version is written under, may only be absent or a regular
//    file (a stale one left by a kill is removed when the write starts).
//
// Writes are atomic and durable: the whole file is written to "<path>.tmp", flushed to disk
// (fsync), renamed over <path>, and the directory is flushed, so a crash or a power loss at any
// instant leaves either the previous complete file or the new one. A failed write (a full disk,
// say) removes the temporary file, leaves <path> as it was and throws write_error.

#include <span>
#include <stdexcept>
#include <string>

namespace esbio::io {

struct write_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Whether `path` may be (re)written as a new output; `alternative` is appended to the refusal of
// an existing file (e.g. " or --resume to continue it").
void check_new_output(const std::string& path, bool force, const std::string& alternative = "");
// Whether an existing run file may be rewritten in place by --resume.
void check_rewritable(const std::string& path);
// A path given as input (a run file, --params) that is not a regular file is refused here,
// before any library opens it (opening a FIFO would block).
void check_input_file(const std::string& path, const std::string& what);

// Remove "<path>.tmp" if it is a regular file: the remains of a write a kill interrupted.
void remove_stale_temporary(const std::string& path);

// bytes to path, atomically and durably as above.
void write_file_atomically(const std::string& path, std::span<const char> bytes);
// write(2) all of bytes to fd; throws write_error naming `name`, with "the disk is full" for
// ENOSPC and EDQUOT. Exposed for tests (a write to /dev/full).
void write_all(int fd, std::span<const char> bytes, const std::string& name);

}  // namespace esbio::io
