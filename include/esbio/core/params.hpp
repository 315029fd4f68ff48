#pragma once
// The flat parameter vector theta and its named blocks (W1, W2, W_inp, ...). Strategies perturb
// one block at a time; run files store both the flat vector and each block with its shape.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace esbio {

struct param_block {
  std::string name;
  std::size_t rows = 0, cols = 0;
  std::size_t offset = 0;
  std::size_t size() const { return rows * cols; }
};

class param_layout {
 public:
  param_layout() = default;
  // Blocks are laid out one after another, row-major, in the order they are added.
  param_layout& add(std::string name, std::size_t rows, std::size_t cols);

  std::size_t size() const { return size_; }
  const std::vector<param_block>& blocks() const { return blocks_; }
  const param_block& block(const std::string& name) const;
  std::size_t index_of(const std::string& name) const;

  template <class T>
  std::span<T> view(std::span<T> theta, const param_block& b) const {
    return theta.subspan(b.offset, b.size());
  }

 private:
  std::vector<param_block> blocks_;
  std::size_t size_ = 0;
};

}  // namespace esbio
