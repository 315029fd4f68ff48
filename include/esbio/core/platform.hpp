#pragma once
// The instruction set a run computes with: what the binary was compiled for (the native or the
// portable preset) and what this CPU offers, which also decides which vector variants glibc's
// libmvec and libm pick at run time. Two ranks with different strings can produce different last
// bits from the same inputs, so the run file records it and the ranks of a job must agree.

#include <string>

namespace esbio {

// E.g. "native build (avx512f avx2 fma); cpu avx512f avx2 fma".
std::string instruction_set();

// Empty if this CPU can run the binary's instructions; else what it lacks (a native build
// started on an older CPU).
std::string missing_instructions();

}  // namespace esbio
