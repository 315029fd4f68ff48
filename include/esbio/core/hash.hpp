#pragma once
// A 64-bit FNV-1a hash over exact bit patterns: ranks compare hashes of theta to prove their
// replicas are identical, and run files carry a hash of the configuration for --resume.

#include <cstdint>
#include <span>
#include <string_view>

namespace esbio {

std::uint64_t fnv1a(std::span<const double> values, std::uint64_t h = 0xcbf29ce484222325ull);
std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 0xcbf29ce484222325ull);

}  // namespace esbio
