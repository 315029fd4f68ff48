#include "esbio/core/settings.hpp"

namespace esbio {

std::string settings_text(const settings& s) {
  std::string t;
  for (const auto& [k, v] : s) t += k + " = " + v + "\n";
  return t;
}

}  // namespace esbio
