#pragma once
// Configuration as text: every option is a key ("es.sigma", "task.hidden") with a value, settable
// in the INI file ([es] sigma = 0.1) and on the command line. Whoever owns an option declares it
// in the schema of its settings struct (core/schema.hpp), which reads and checks the values
// (core/values.hpp) and prints the canonical text a run file stores.

#include <map>
#include <string>

namespace esbio {

using settings = std::map<std::string, std::string>;  // key -> value text

struct option_spec {
  std::string key;
  std::string default_value;
  std::string help;
};

// "key = value" lines, sorted by key: the resolved configuration text.
std::string settings_text(const settings& s);

}  // namespace esbio
