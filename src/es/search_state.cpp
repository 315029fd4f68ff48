#include "esbio/es/search_state.hpp"

#include <algorithm>
#include <cmath>

#include "esbio/core/error.hpp"

namespace esbio::es {

struct search_state::stored final : holder {
  explicit stored(record r) : fields(std::move(r)) {}
  std::unique_ptr<holder> clone() const override { return std::make_unique<stored>(fields); }
  void for_each(const visitor& f) const override {
    for (const auto& [name, values] : fields) f(name, values);
  }
  record fields;
};

search_state search_state::from_record(record r) {
  search_state s;
  if (!r.empty()) s.holder_ = std::make_unique<stored>(std::move(r));
  return s;
}

bool search_state::empty() const {
  bool any = false;
  for_each([&](const std::string&, std::span<const double>) { any = true; });
  return !any;
}

void search_state::for_each(const visitor& f) const {
  if (holder_) holder_->for_each(f);
}

search_state::record search_state::to_record() const {
  record r;
  for_each([&](const std::string& name, std::span<const double> v) {
    r[name].assign(v.begin(), v.end());
  });
  return r;
}

void search_state::missing(const std::string& name) {
  throw consistency_error("the checkpoint's strategy state has no '" + name + "'");
}

double search_state::scalar(const std::string& name, const std::vector<double>& v) {
  if (v.size() != 1)
    throw consistency_error("the checkpoint's strategy state '" + name + "' has " +
                            std::to_string(v.size()) + " entries, not one");
  return v[0];
}

std::size_t search_state::count(const std::string& name, const std::vector<double>& v) {
  const double x = scalar(name, v);
  if (!(x >= 0) || x != std::floor(x) || x > 9007199254740992.0)
    throw consistency_error("the checkpoint's strategy state '" + name + "' is not a whole number");
  return static_cast<std::size_t>(x);
}

void search_state::unknown_field(const record& r, const std::vector<std::string>& known) {
  for (const auto& [name, values] : r)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw consistency_error("the checkpoint's strategy state has '" + name +
                              "', which this strategy does not keep");
  // Every name is known, yet not all were taken: a field this value does not have.
  throw consistency_error("the checkpoint's strategy state has fields this strategy does not keep");
}

}  // namespace esbio::es
