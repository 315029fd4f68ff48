#pragma once
// SHA-256 (FIPS 180-4), for the fingerprint a run records of its dataset file, so that a resume
// notices a file that changed. Checked against the standard's known-answer vectors
// (tests/unit/test_sha256.cpp).

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace esbio {

class sha256 {
 public:
  sha256();
  void update(std::span<const unsigned char> bytes);
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex();

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 8> h_;
  std::array<unsigned char, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t length_ = 0;  // bytes
};

}  // namespace esbio
