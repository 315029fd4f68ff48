#include "esbio/train/train_state.hpp"

#include <cstring>

#include "esbio/core/error.hpp"

namespace esbio::train {

namespace {

template <class T>
void put(std::vector<char>& b, const T& v) {
  const char* p = reinterpret_cast<const char*>(&v);
  b.insert(b.end(), p, p + sizeof v);
}
template <class T>
void put_vec(std::vector<char>& b, const std::vector<T>& v) {
  put(b, static_cast<std::uint64_t>(v.size()));
  const char* p = reinterpret_cast<const char*>(v.data());
  b.insert(b.end(), p, p + v.size() * sizeof(T));
}
template <class T>
T get(const std::vector<char>& b, std::size_t& at) {
  if (at + sizeof(T) > b.size()) throw consistency_error("truncated replica state");
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  at += sizeof v;
  return v;
}
template <class T>
std::vector<T> get_vec(const std::vector<char>& b, std::size_t& at) {
  const auto n = get<std::uint64_t>(b, at);
  if (at + n * sizeof(T) > b.size()) throw consistency_error("truncated replica state");
  std::vector<T> v(n);
  std::memcpy(v.data(), b.data() + at, n * sizeof(T));
  at += n * sizeof(T);
  return v;
}

}  // namespace

std::vector<char> train_state::replica_bytes() const {
  std::vector<char> b;
  put(b, generation);
  put_vec(b, theta);
  put_vec(b, optimizer.m);
  put_vec(b, optimizer.v);
  put_vec(b, optimizer.steps);
  const auto fields = search.to_record();
  put(b, static_cast<std::uint64_t>(fields.size()));
  for (const auto& [name, v] : fields) {
    put_vec(b, std::vector<char>(name.begin(), name.end()));
    put_vec(b, v);
  }
  return b;
}

void train_state::load_replica_bytes(const std::vector<char>& b) {
  std::size_t at = 0;
  generation = get<std::uint32_t>(b, at);
  theta = get_vec<double>(b, at);
  optimizer.m = get_vec<double>(b, at);
  optimizer.v = get_vec<double>(b, at);
  optimizer.steps = get_vec<std::int64_t>(b, at);
  es::search_state::record fields;
  const auto entries = get<std::uint64_t>(b, at);
  for (std::uint64_t k = 0; k < entries; ++k) {
    const auto name = get_vec<char>(b, at);
    fields[std::string(name.begin(), name.end())] = get_vec<double>(b, at);
  }
  search = es::search_state::from_record(std::move(fields));
}

}  // namespace esbio::train
