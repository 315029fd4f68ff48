#include "esbio/dist/context.hpp"

#include <algorithm>

namespace esbio::dist {

namespace {

class local_context final : public context {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string describe() const override { return "local (1 process, no MPI)"; }
  std::vector<evaluation> evaluate(std::size_t n,
                                   const std::function<evaluation(std::size_t)>& eval) override {
    std::vector<evaluation> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = timed([&] { return eval(i); });
    items_ += n;
    return out;
  }
  std::uint64_t items_evaluated() const override { return items_; }
  std::vector<evaluation> sum_vectors(
      std::size_t n, std::size_t width,
      const std::function<evaluation(std::size_t, std::span<double>)>& item,
      std::vector<double>& sum) override {
    std::vector<evaluation> out(n);
    std::vector<double> v(width);
    sum.assign(width, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      std::fill(v.begin(), v.end(), 0.0);
      out[i] = timed([&] { return item(i, v); });
      for (std::size_t k = 0; k < width; ++k) sum[k] += v[k];
    }
    return out;
  }
  void allgather(std::span<double>, std::span<const std::size_t>) override {}
  int broadcast_code(int v) override { return v; }
  bool all_equal(std::uint64_t) override { return true; }
  void broadcast(std::vector<char>&) override {}
  int max(int v) override { return v; }
  std::uint64_t bytes_communicated() const override { return 0; }

 private:
  std::uint64_t items_ = 0;
};

}  // namespace

std::unique_ptr<context> make_local_context() {
  return std::make_unique<local_context>();
}

}  // namespace esbio::dist
