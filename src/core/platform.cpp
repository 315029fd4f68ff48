#include "esbio/core/platform.hpp"

#include "esbio/version.hpp"

namespace esbio {

namespace {

// (appending a (cond ? "" : " ") + std::string pair trips GCC 12's -Wrestrict false positive)
void append_word(std::string& list, const char* word) {
  if (!list.empty()) list += ' ';
  list += word;
}

std::string compiled_features() {
  std::string f;
#if defined(__AVX512F__)
  append_word(f, "avx512f");
#endif
#if defined(__AVX2__)
  append_word(f, "avx2");
#endif
#if defined(__FMA__)
  append_word(f, "fma");
#endif
#if defined(__AVX__) && !defined(__AVX2__)
  append_word(f, "avx");
#endif
  return f.empty() ? "sse2" : f;
}

std::string cpu_features() {
  std::string f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const auto add = [&](const char* name) { append_word(f, name); };
  if (__builtin_cpu_supports("avx512f")) add("avx512f");
  if (__builtin_cpu_supports("avx2")) add("avx2");
  if (__builtin_cpu_supports("fma")) add("fma");
  if (__builtin_cpu_supports("avx") && !__builtin_cpu_supports("avx2")) add("avx");
  // libmvec's SSE entry points run their SSE4.1 code only where the CPU has it.
  if (!__builtin_cpu_supports("avx") && __builtin_cpu_supports("sse4.1")) add("sse4.1");
#endif
  return f.empty() ? "sse2" : f;
}

}  // namespace

std::string instruction_set() {
  return std::string(portable_build ? "portable" : "native") + " build (" + compiled_features() +
         "); cpu " + cpu_features();
}

std::string missing_instructions() {
  std::string missing;
  const auto lacks = [&](bool supported, const char* name) {
    if (!supported) append_word(missing, name);
  };
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
#if defined(__AVX512F__)
  lacks(__builtin_cpu_supports("avx512f"), "avx512f");
#endif
#if defined(__AVX2__)
  lacks(__builtin_cpu_supports("avx2"), "avx2");
#endif
#if defined(__FMA__)
  lacks(__builtin_cpu_supports("fma"), "fma");
#endif
#endif
  (void)lacks;
  return missing;
}

}  // namespace esbio
