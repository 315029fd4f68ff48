#pragma once
#include "esbio/dist/context.hpp"

// The world communicator's context, set up by tests/mpi/main.cpp.
extern esbio::dist::context* esbio_test_context;
