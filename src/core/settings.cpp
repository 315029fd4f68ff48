#include "esbio/core/settings.hpp"

#include <stdexcept>

#include "esbio/core/values.hpp"

namespace esbio {

const std::string& setting_reader::raw(const std::string& key) const {
  const auto it = s_.find(key);
  if (it == s_.end()) throw std::logic_error("setting " + key + " has no value");
  return it->second;
}

double setting_reader::real(const std::string& key, bool positive, bool non_negative) {
  const double x = parse_real(key, raw(key),
                              positive       ? real_sign::positive
                              : non_negative ? real_sign::non_negative
                                             : real_sign::any);
  out_[key] = format_real(x);
  return x;
}

std::uint64_t setting_reader::count(const std::string& key, std::uint64_t min, std::uint64_t max) {
  const auto x = parse_count(key, raw(key), min, max);
  out_[key] = std::to_string(x);
  return x;
}

std::size_t setting_reader::choice(const std::string& key,
                                   std::initializer_list<const char*> allowed) {
  const auto& v = raw(key);
  std::string list;
  std::size_t i = 0;
  for (const char* a : allowed) {
    if (v == a) {
      out_[key] = v;
      return i;
    }
    list += (list.empty() ? "" : ", ") + std::string(a);
    ++i;
  }
  bad_value(key, v, "is not one of: " + list);
}

bool setting_reader::flag(const std::string& key) {
  const auto& v = raw(key);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return out_[key] = "true", true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return out_[key] = "false", false;
  bad_value(key, v, "is not true or false");
}

std::string setting_reader::text(const std::string& key) {
  return out_[key] = raw(key);
}

std::vector<std::string> setting_reader::names(const std::string& key, const char* none_word) {
  const auto& v = raw(key);
  out_[key] = v;
  std::vector<std::string> out;
  if (v == none_word) return out;
  std::string item;
  for (char ch : v + ",") {
    if (ch == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (ch != ' ') {
      item += ch;
    }
  }
  if (out.empty()) bad_value(key, v, "names no block");
  return out;
}

std::vector<double> setting_reader::reals(const std::string& key, const char* none_word,
                                          bool any_sign) {
  const auto& v = raw(key);
  out_[key] = v;
  if (v == none_word) return {};
  auto out = parse_real_list(key, v, any_sign ? real_sign::any : real_sign::positive);
  std::string canon;
  for (double x : out) {
    if (!canon.empty()) canon += ',';  // (appending "," + text trips GCC 12's -Wrestrict)
    canon += format_real(x);
  }
  out_[key] = canon;
  return out;
}

std::optional<double> setting_reader::real_or(const std::string& key, const char* word) {
  if (raw(key) == word) {
    out_[key] = word;
    return std::nullopt;
  }
  return real(key);
}

std::string settings_text(const settings& s) {
  std::string t;
  for (const auto& [k, v] : s) t += k + " = " + v + "\n";
  return t;
}

}  // namespace esbio
