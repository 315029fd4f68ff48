#pragma once
// Opening and writing whole HDF5 files. Private to io.

#include <functional>
#include <string>

#include "h5_handles.hpp"

namespace esbio::io::h5 {

// The file opened read-only; input_error "WHAT 'PATH' ..." when it does not exist, is not a
// regular file, is not HDF5, is locked by a process writing it, or HDF5 cannot open it.
handle open_for_reading(const std::string& path, const std::string& what);

// Build the whole file in memory (HDF5's core driver, no backing store), then hand its bytes to
// write_file_atomically: HDF5 never touches the disk, so every I/O error is a POSIX one that can
// be named (a full disk), and the write is fsync'ed and renamed in one place.
void write_atomically(const std::string& path, const std::function<void(hid_t)>& contents);

}  // namespace esbio::io::h5
