// SHA-256 against the known-answer vectors of FIPS 180-4's examples (NIST CSRC), fed whole and
// in uneven pieces.
#include <doctest/doctest.h>

#include <string>

#include "esbio/core/sha256.hpp"

using namespace esbio;

namespace {
std::string digest(const std::string& s, std::size_t piece) {
  sha256 h;
  for (std::size_t at = 0; at < s.size(); at += piece) {
    const auto n = std::min(piece, s.size() - at);
    h.update({reinterpret_cast<const unsigned char*>(s.data() + at), n});
  }
  return h.hex();
}
}  // namespace

TEST_CASE("SHA-256 gives the standard's known answers") {
  const std::string million(1000000, 'a');
  const struct {
    std::string in, out;
  } cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const auto& c : cases)
    for (std::size_t piece : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{1000}})
      if (piece < 100 || c.in.size() > 0) CHECK(digest(c.in, piece) == c.out);
}
