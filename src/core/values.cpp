#include "esbio/core/values.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "esbio/core/error.hpp"

namespace esbio {

std::string printable(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

void bad_value(const std::string& name, std::string_view value, const std::string& why) {
  throw input_error(name + " = '" + printable(value) + "' " + why);
}

namespace {

std::string_view trimmed(std::string_view s) {
  const auto a = s.find_first_not_of(' ');
  if (a == std::string_view::npos) return {};
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

// Items of a comma-separated list; an empty item (",," or a trailing comma) is an error.
std::vector<std::string_view> items_of(const std::string& name, std::string_view text,
                                       const char* what) {
  std::vector<std::string_view> items;
  std::size_t from = 0;
  while (true) {
    const auto comma = text.find(',', from);
    const auto item =
        trimmed(text.substr(from, comma == std::string_view::npos ? text.npos : comma - from));
    if (item.empty())
      bad_value(name, text, std::string("is not a comma-separated list of ") + what);
    items.push_back(item);
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  return items;
}

}  // namespace

std::uint64_t parse_count(const std::string& name, std::string_view text, std::uint64_t min,
                          std::uint64_t max) {
  std::uint64_t x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (r.ec == std::errc::result_out_of_range)
    bad_value(name, text, "must be at most " + std::to_string(max));
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
    bad_value(name, text, "is not a non-negative integer");
  if (x < min) bad_value(name, text, "must be at least " + std::to_string(min));
  if (x > max) bad_value(name, text, "must be at most " + std::to_string(max));
  return x;
}

double parse_real(const std::string& name, std::string_view text, real_sign sign) {
  double x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() ||
      !std::isfinite(x))
    bad_value(name, text, "is not a finite number");
  if (sign == real_sign::positive && !(x > 0)) bad_value(name, text, "must be positive");
  if (sign == real_sign::non_negative && x < 0) bad_value(name, text, "must not be negative");
  return x;
}

std::vector<double> parse_real_list(const std::string& name, std::string_view text,
                                    real_sign sign) {
  const char* what = sign == real_sign::positive ? "positive numbers" : "finite numbers";
  std::vector<double> out;
  for (const auto item : items_of(name, text, what)) {
    double x = 0;
    const auto r = std::from_chars(item.data(), item.data() + item.size(), x);
    if (r.ec != std::errc() || r.ptr != item.data() + item.size() || !std::isfinite(x) ||
        (sign == real_sign::positive && !(x > 0)) || (sign == real_sign::non_negative && x < 0))
      bad_value(name, text, std::string("is not a comma-separated list of ") + what);
    out.push_back(x);
  }
  return out;
}

std::vector<std::uint64_t> parse_count_list(const std::string& name, std::string_view text,
                                            std::uint64_t min, std::uint64_t max) {
  std::vector<std::uint64_t> out;
  for (const auto item : items_of(name, text, "whole numbers"))
    out.push_back(parse_count(name, item, min, max));
  return out;
}

std::string format_real(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace esbio
