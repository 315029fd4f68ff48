// An MPI-aware doctest main (Debian's doctest ships no MPI extension). Every rank runs every
// test case, since the cases call collectives; rank 0 reports, the others stay silent unless they
// fail, and every rank exits with the worst result so mpirun and ctest see one verdict.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "esbio/dist/context.hpp"
#include "esbio/io/file_access.hpp"
#include "mpi_fixture.hpp"

esbio::dist::context* esbio_test_context = nullptr;

int main(int argc, char** argv) {
  esbio::dist::mpi_session mpi(argc, argv);
  esbio::io::install_file_access();
  auto ctx = esbio::dist::make_mpi_context();
  esbio_test_context = ctx.get();

  doctest::Context dt;
  dt.applyCommandLine(argc, argv);
  std::ostringstream held;
  if (ctx->rank() != 0) dt.setCout(&held);
  int rc = dt.run();
  if (rc != 0 && ctx->rank() != 0)
    std::cerr << "---- rank " << ctx->rank() << " failed ----\n" << held.str();
  rc = ctx->max(rc);
  esbio_test_context = nullptr;
  ctx.reset();
  return rc;
}
