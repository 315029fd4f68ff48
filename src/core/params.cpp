#include "esbio/core/params.hpp"

#include <stdexcept>

namespace esbio {

param_layout& param_layout::add(std::string name, std::size_t rows, std::size_t cols) {
  for (const auto& b : blocks_)
    if (b.name == name) throw std::invalid_argument("duplicate parameter block '" + name + "'");
  blocks_.push_back({std::move(name), rows, cols, size_});
  size_ += rows * cols;
  return *this;
}

std::size_t param_layout::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < blocks_.size(); ++i)
    if (blocks_[i].name == name) return i;
  throw std::out_of_range("no parameter block '" + name + "'");
}

const param_block& param_layout::block(const std::string& name) const {
  return blocks_[index_of(name)];
}

}  // namespace esbio
