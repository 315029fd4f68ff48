#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "esbio/io/file_access.hpp"

int main(int argc, char** argv) {
  // Tasks that read their network and data from files open them through the io layer's readers.
  esbio::io::install_file_access();
  doctest::Context dt;
  dt.applyCommandLine(argc, argv);
  return dt.run();
}
