#include "esbio/train/run_config.hpp"

#include <sstream>

#include "esbio/core/hash.hpp"

namespace esbio::train {

bool resumable_key(const std::string& key) {
  return key == "es.generations" || key == "checkpoint.every" || key == "run.hash_every" ||
         key == "run.max_failed_generations" || key == "run.validate_every" ||
         key == "dist.rank0" || key == "dist.queue_depth";
}

std::uint64_t config_hash(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::uint64_t h = fnv1a(std::string_view{});
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos && resumable_key(line.substr(0, eq))) continue;
    h = fnv1a(line + "\n", h);
  }
  return h;
}

}  // namespace esbio::train
