#pragma once
// A strategy's own state (a per-parameter sigma, evolution paths, covariance factors), checkpointed
// with theta. While a strategy runs it is the strategy's own struct with typed fields (counts as
// integers); where it is hashed, broadcast and written to a run file it is a set of named vectors,
// in name order, integers as one-element doubles: the layout run files have always had, so old
// checkpoints resume and theta hashes stay. A state read back is such a record until the
// strategy adopts it (search::adopt) as its struct again.
//
// A state struct T lists its fields once: static const std::vector<state_field<T>>& fields().

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace esbio::es {

template <class T>
struct state_field {
  std::string name;
  std::variant<std::vector<double> T::*, double T::*, std::size_t T::*> member;
  // Whether this value has the field (sep-CMA-ES keeps no B, D or age); null: always.
  bool (*present)(const T&) = nullptr;
};

class search_state {
 public:
  using record = std::map<std::string, std::vector<double>>;
  using visitor = std::function<void(const std::string& name, std::span<const double> values)>;

  search_state() = default;  // no state (song, openai)
  template <class T>
  explicit search_state(T value) : holder_(std::make_unique<typed<T>>(std::move(value))) {}
  // Named vectors as read back from a checkpoint or the replica bytes.
  static search_state from_record(record r);

  search_state(const search_state& o) : holder_(o.holder_ ? o.holder_->clone() : nullptr) {}
  search_state& operator=(const search_state& o) {
    holder_ = o.holder_ ? o.holder_->clone() : nullptr;
    return *this;
  }
  search_state(search_state&&) noexcept = default;
  search_state& operator=(search_state&&) noexcept = default;

  bool empty() const;  // no fields at all
  // Every field as (name, values), in name order: what the hash, the replica bytes and the run
  // file see, whether the state is typed or a record.
  void for_each(const visitor& f) const;
  record to_record() const;
  bool operator==(const search_state& o) const { return to_record() == o.to_record(); }

  // The typed state; std::logic_error unless this holds a T.
  template <class T>
  T& get() {
    if (auto* h = dynamic_cast<typed<T>*>(holder_.get())) return h->value;
    throw std::logic_error("search_state: not the strategy's state (adopt it first)");
  }
  template <class T>
  const T& get() const {
    return const_cast<search_state*>(this)->get<T>();
  }

  // This state as a T: kept if it is one; otherwise (a record) prototype with every field it has
  // taken from the record. consistency_error if the record lacks one of them, holds a count that
  // is not one whole number, or names a field T does not keep.
  template <class T>
  void adopt(T prototype) {
    if (dynamic_cast<typed<T>*>(holder_.get())) return;
    const auto r = to_record();
    std::size_t used = 0;
    for (const auto& f : T::fields()) {
      if (f.present && !f.present(prototype)) continue;
      const auto it = r.find(f.name);
      if (it == r.end()) missing(f.name);
      ++used;
      std::visit([&](auto member) { take(prototype, member, f.name, it->second); }, f.member);
    }
    if (used != r.size()) unknown(r, T::fields());
    holder_ = std::make_unique<typed<T>>(std::move(prototype));
  }

 private:
  struct holder {
    virtual ~holder() = default;
    virtual std::unique_ptr<holder> clone() const = 0;
    virtual void for_each(const visitor& f) const = 0;
  };
  template <class T>
  struct typed final : holder {
    explicit typed(T v) : value(std::move(v)) {}
    std::unique_ptr<holder> clone() const override { return std::make_unique<typed>(value); }
    void for_each(const visitor& f) const override {
      std::map<std::string, std::vector<double>> scalars;  // one-element copies of the counts
      std::map<std::string, std::span<const double>> in_order;
      for (const auto& field : T::fields()) {
        if (field.present && !field.present(value)) continue;
        std::visit(
            [&](auto member) { in_order[field.name] = view(value, member, scalars[field.name]); },
            field.member);
      }
      for (const auto& [name, values] : in_order) f(name, values);
    }
    T value;
  };
  struct stored;

  // A field's values: a vector as it is, a number as a one-element copy in scratch.
  template <class T>
  static std::span<const double> view(const T& t, std::vector<double> T::*m, std::vector<double>&) {
    return t.*m;
  }
  template <class T, class N>
  static std::span<const double> view(const T& t, N T::*m, std::vector<double>& scratch) {
    scratch = {static_cast<double>(t.*m)};
    return scratch;
  }
  template <class T>
  static void take(T& t, std::vector<double> T::*m, const std::string&,
                   const std::vector<double>& v) {
    t.*m = v;
  }
  template <class T>
  static void take(T& t, double T::*m, const std::string& name, const std::vector<double>& v) {
    t.*m = scalar(name, v);
  }
  template <class T>
  static void take(T& t, std::size_t T::*m, const std::string& name, const std::vector<double>& v) {
    t.*m = count(name, v);
  }

  [[noreturn]] static void missing(const std::string& name);
  static double scalar(const std::string& name, const std::vector<double>& v);
  static std::size_t count(const std::string& name, const std::vector<double>& v);
  template <class T>
  [[noreturn]] static void unknown(const record& r, const std::vector<state_field<T>>& fields) {
    std::vector<std::string> known;
    for (const auto& f : fields) known.push_back(f.name);
    unknown_field(r, known);
  }
  [[noreturn]] static void unknown_field(const record& r, const std::vector<std::string>& known);

  std::unique_ptr<holder> holder_;
};

}  // namespace esbio::es
