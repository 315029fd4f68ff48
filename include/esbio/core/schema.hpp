#pragma once
// One schema per settings struct. Each key ("es.sigma", "ode.rtol") is declared once, with the
// member it sets, a codec (how its text is read, checked and printed back: a range, a list of
// choices, a word such as auto or none for an unset optional or a sentinel) and its help line.
// The default is the struct's own initialiser, printed from a default-constructed struct, so the
// value a test gets from `S{}` and the one a user gets from the command line are one value.
// Everything else follows from the schema: the option list (--help, the parser, in the cli
// layer), the checked reading of settings into the struct (every bad value an input_error naming
// its key) and the canonical text a run file records. Sections compose: a task's schema
// includes the [ode] schema at its solver member.

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "esbio/core/settings.hpp"
#include "esbio/core/values.hpp"

namespace esbio {

// How values of type T read from text and print back in their canonical spelling.
template <class T>
struct codec {
  std::function<T(const std::string& key, const std::string& text)> parse;
  std::function<std::string(const T&)> print;
};

namespace codecs {

// A finite number of the given sign.
codec<double> real(real_sign sign = real_sign::any);
// A number, or `word` for unset.
codec<std::optional<double>> real_or(std::string word, real_sign sign = real_sign::any);
codec<bool> flag();
// true, false, or `word` for unset (the owner's default, resolved later).
codec<std::optional<bool>> flag_or(std::string word);
codec<std::string> text();
// One of `names`; the value is its position in `names`.
codec<std::size_t> one_of(std::vector<std::string> names);
// A comma-separated list of names; `none_word` stands for the empty list.
codec<std::vector<std::string>> names(std::string none_word);
// A comma-separated list of finite numbers (positive ones unless any_sign); `none_word` stands
// for the empty list.
codec<std::vector<double>> reals(std::string none_word, bool any_sign = false);

// A whole number in [min, max], stored as I.
template <class I>
codec<I> count(std::uint64_t min = 0,
               std::uint64_t max = std::numeric_limits<std::uint32_t>::max()) {
  return {[min, max](const std::string& key, const std::string& text) {
            return static_cast<I>(parse_count(key, text, min, max));
          },
          [](const I& v) { return std::to_string(v); }};
}

// A whole number in [min, max], or `word`, stored as `sentinel`.
template <class I>
codec<I> count_or(std::string word, I sentinel, std::uint64_t min,
                  std::uint64_t max = std::numeric_limits<std::uint32_t>::max()) {
  const auto c = count<I>(min, max);
  return {[word, sentinel, c](const std::string& key, const std::string& text) {
            return text == word ? sentinel : c.parse(key, text);
          },
          [word, sentinel, c](const I& v) { return v == sentinel ? word : c.print(v); }};
}

// One of the spellings of `table`; a value's canonical spelling is its first one, so an alias
// ("centre" for center) reads but is recorded as the first.
template <class E>
codec<E> choice(std::vector<std::pair<std::string, E>> table) {
  std::vector<std::string> names;
  for (const auto& [name, value] : table) names.push_back(name);
  const auto pick = one_of(names);
  return {[table, pick](const std::string& key, const std::string& text) {
            return table[pick.parse(key, text)].second;
          },
          [table](const E& v) {
            for (const auto& [name, value] : table)
              if (value == v) return name;
            return std::string("?");
          }};
}

}  // namespace codecs

template <class S>
class schema {
 public:
  struct entry {
    std::string key, help;
    std::function<void(S&, const std::string& text)> read;  // input_error naming the key
    std::function<std::string(const S&)> write;             // the canonical text
    // Whether the key applies to this value (unset: always); one that does not is left out of
    // the canonical text (the constants of another neuron model than the chosen one).
    std::function<bool(const S&)> applies = {};
    // The default as --help and the command line show it, when it is a word rather than the
    // value a default-constructed struct prints (a neuron constant's `default`: the model's).
    std::string default_text = {};
  };

  template <class T>
  schema& field(std::string key, T S::*member, codec<T> c, std::string help) {
    auto read = [member, parse = c.parse, k = key](S& s, const std::string& text) {
      s.*member = parse(k, text);
    };
    auto write = [member, print = c.print](const S& s) { return print(s.*member); };
    entries_.push_back({std::move(key), std::move(help), std::move(read), std::move(write)});
    return *this;
  }

  // A key that does not map onto one member (es.blocks sets two): its own read and write, and
  // optionally when it applies.
  schema& custom(std::string key, std::function<void(S&, const std::string&)> read,
                 std::function<std::string(const S&)> write, std::string help,
                 std::function<bool(const S&)> applies = {}, std::string default_text = {}) {
    entries_.push_back({std::move(key), std::move(help), std::move(read), std::move(write),
                        std::move(applies), std::move(default_text)});
    return *this;
  }

  // Every key of the section schema `sub`, for the struct held in `member`.
  template <class M>
  schema& section(M S::*member, const schema<M>& sub) {
    for (const auto& e : sub.entries())
      entries_.push_back(
          {e.key, e.help,
           [member, read = e.read](S& s, const std::string& text) { read(s.*member, text); },
           [member, write = e.write](const S& s) { return write(s.*member); },
           e.applies ? std::function<bool(const S&)>(
                           [member, applies = e.applies](const S& s) { return applies(s.*member); })
                     : std::function<bool(const S&)>(),
           e.default_text});
    return *this;
  }

  const std::vector<entry>& entries() const { return entries_; }
  const entry* find(const std::string& key) const {
    for (const auto& e : entries_)
      if (e.key == key) return &e;
    return nullptr;
  }

  // The keys with their defaults, printed from a default-constructed S, and help lines.
  std::vector<option_spec> options() const {
    const S defaults{};
    std::vector<option_spec> out;
    for (const auto& e : entries_)
      out.push_back({e.key, e.default_text.empty() ? e.write(defaults) : e.default_text, e.help});
    return out;
  }

  // Every key of the schema that s holds, read into out in declaration order; the others keep
  // out's values.
  void read(const settings& s, S& out) const {
    for (const auto& e : entries_)
      if (const auto it = s.find(e.key); it != s.end()) e.read(out, it->second);
  }
  S read(const settings& s) const {
    S out{};
    read(s, out);
    return out;
  }

  // The canonical text of every key that applies.
  settings write(const S& s) const {
    settings out;
    for (const auto& e : entries_)
      if (!e.applies || e.applies(s)) out[e.key] = e.write(s);
    return out;
  }

 private:
  std::vector<entry> entries_;
};

}  // namespace esbio
