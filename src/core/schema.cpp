#include "esbio/core/schema.hpp"

namespace esbio::codecs {

codec<double> real(real_sign sign) {
  return {[sign](const std::string& key, const std::string& text) {
            return parse_real(key, text, sign);
          },
          [](const double& v) { return format_real(v); }};
}

codec<std::optional<double>> real_or(std::string word, real_sign sign) {
  const auto r = real(sign);
  return {[word, r](const std::string& key, const std::string& text) -> std::optional<double> {
            if (text == word) return std::nullopt;
            return r.parse(key, text);
          },
          [word, r](const std::optional<double>& v) { return v ? r.print(*v) : word; }};
}

codec<bool> flag() {
  return {[](const std::string& key, const std::string& v) {
            if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
            if (v == "false" || v == "0" || v == "no" || v == "off") return false;
            bad_value(key, v, "is not true or false");
          },
          [](const bool& v) { return std::string(v ? "true" : "false"); }};
}

codec<std::optional<bool>> flag_or(std::string word) {
  const auto f = flag();
  return {[word, f](const std::string& key, const std::string& text) -> std::optional<bool> {
            if (text == word) return std::nullopt;
            return f.parse(key, text);
          },
          [word, f](const std::optional<bool>& v) { return v ? f.print(*v) : word; }};
}

codec<std::string> text() {
  return {[](const std::string&, const std::string& t) { return t; },
          [](const std::string& t) { return t; }};
}

codec<std::size_t> one_of(std::vector<std::string> names) {
  return {[names](const std::string& key, const std::string& v) {
            std::string list;
            for (std::size_t i = 0; i < names.size(); ++i) {
              if (v == names[i]) return i;
              list += (list.empty() ? "" : ", ") + names[i];
            }
            bad_value(key, v, "is not one of: " + list);
          },
          [names](const std::size_t& i) { return i < names.size() ? names[i] : "?"; }};
}

codec<std::vector<std::string>> names(std::string none_word) {
  return {[none_word](const std::string& key, const std::string& v) {
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
          },
          // ", " between names, as the configurations in data/ spell their lists.
          [none_word](const std::vector<std::string>& v) {
            if (v.empty()) return none_word;
            std::string out;
            for (const auto& name : v) {
              if (!out.empty()) out += ", ";
              out += name;
            }
            return out;
          }};
}

codec<std::vector<double>> reals(std::string none_word, bool any_sign) {
  return {[none_word, any_sign](const std::string& key, const std::string& v) {
            if (v == none_word) return std::vector<double>{};
            return parse_real_list(key, v, any_sign ? real_sign::any : real_sign::positive);
          },
          [none_word](const std::vector<double>& v) {
            if (v.empty()) return none_word;
            std::string out;
            for (double x : v) {
              if (!out.empty()) out += ',';  // (appending "," + text trips GCC 12's -Wrestrict)
              out += format_real(x);
            }
            return out;
          }};
}

}  // namespace esbio::codecs
