// The instruction set a run records, against an independent account of the CPU: the kernel's
// /proc/cpuinfo flags.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "esbio/core/platform.hpp"
#include "esbio/version.hpp"

namespace {

std::set<std::string> cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

std::set<std::string> words_after(const std::string& text, const std::string& marker) {
  std::istringstream words(text.substr(text.find(marker) + marker.size()));
  std::set<std::string> out;
  for (std::string w; words >> w;) out.insert(w);
  return out;
}

}  // namespace

TEST_CASE("the recorded instruction set names what the build uses and what the CPU offers") {
  const auto flags = cpuinfo_flags();
  if (flags.empty()) {
    MESSAGE("no /proc/cpuinfo flags here: nothing to compare against");
    return;
  }
  const auto isa = esbio::instruction_set();
  MESSAGE(isa);
  CHECK(isa.rfind(esbio::portable_build ? "portable build (" : "native build (", 0) == 0);
  // The CPU part lists exactly the kernel's flags among those esbio distinguishes.
  const auto cpu = words_after(isa, "; cpu ");
  for (const char* f : {"avx512f", "avx2", "fma"}) {
    CAPTURE(f);
    CHECK(cpu.count(f) == flags.count(f));
  }
  // What the binary was compiled for, this CPU has (it built or runs it), and nothing is missing.
  const auto built = isa.substr(0, isa.find(");"));
  // A native build is compiled for exactly the CPU's extensions (-march=native).
  for (const char* f : {"avx512f", "avx2", "fma"}) {
    CAPTURE(f);
    const bool compiled = built.find(f) != std::string::npos;
    if (compiled) CHECK(flags.count(f) == 1);
    if (!esbio::portable_build) CHECK(compiled == (flags.count(f) == 1));
  }
  CHECK(esbio::missing_instructions().empty());
  if (esbio::portable_build) CHECK(built.find("avx") == std::string::npos);
}
