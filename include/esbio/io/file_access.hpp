#pragma once
// The HDF5 readers behind core/file_access.hpp: whole small files as trees (data_file.hpp),
// datasets read by rows (hyperslabs) and ragged rows, and a file's fingerprint (size and
// SHA-256). Programs call install_file_access() once before they build a task that reads files.

namespace esbio::io {

void install_file_access();

}  // namespace esbio::io
