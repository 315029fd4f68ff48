#pragma once
// Configuration as text: every option is a key ("es.sigma", "task.hidden") with a default and a
// help line, settable in the INI file ([es] sigma = 0.1) and on the command line. Whoever owns an
// option declares its option_spec and reads it through a setting_reader, which checks the value
// (values.hpp), records its canonical spelling, and so builds the resolved configuration text a
// run file stores. Tasks declare their own options this way (tasks/registry.hpp); the command
// line layer only merges the texts.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace esbio {

using settings = std::map<std::string, std::string>;  // key -> value text

struct option_spec {
  std::string key;
  std::string default_value;
  std::string help;
};

// Typed reads of settings; each records the canonical spelling of what it read, and every bad
// value is an input_error naming the key.
class setting_reader {
 public:
  explicit setting_reader(const settings& s) : s_(s) {}
  const settings& canonical() const { return out_; }
  bool has(const std::string& key) const { return s_.count(key) != 0; }

  double real(const std::string& key, bool positive = false, bool non_negative = false);
  std::uint64_t count(const std::string& key, std::uint64_t min = 0,
                      std::uint64_t max = std::numeric_limits<std::uint32_t>::max());
  // The value, which must be one of `allowed`; returns its index in `allowed`.
  std::size_t choice(const std::string& key, std::initializer_list<const char*> allowed);
  bool flag(const std::string& key);
  std::string text(const std::string& key);
  // A comma-separated list of names; `none_word` stands for the empty list.
  std::vector<std::string> names(const std::string& key, const char* none_word);
  // A comma-separated list of finite numbers (positive ones unless any_sign); `none_word` stands
  // for the empty list.
  std::vector<double> reals(const std::string& key, const char* none_word, bool any_sign = false);
  // A number, or `word` (nullopt).
  std::optional<double> real_or(const std::string& key, const char* word);

 private:
  const std::string& raw(const std::string& key) const;
  const settings& s_;
  settings out_;
};

// "key = value" lines, sorted by key: the resolved configuration text.
std::string settings_text(const settings& s);

}  // namespace esbio
