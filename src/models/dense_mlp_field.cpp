#include "esbio/models/dense_mlp_field.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "esbio/core/error.hpp"

namespace esbio::models {

namespace {
constexpr double inv_sqrt2 = std::numbers::sqrt2 / 2;
constexpr double inv_sqrt_2pi = std::numbers::inv_sqrtpi * inv_sqrt2;
}  // namespace

activation parse_activation(const std::string& name) {
  if (name == "gelu") return activation::gelu;
  if (name == "tanh") return activation::tanh;
  throw input_error("unknown activation '" + name + "' (known: gelu, tanh)");
}

const char* to_string(activation a) {
  return a == activation::gelu ? "gelu" : "tanh";
}

dense_mlp_field::dense_mlp_field(std::size_t dim, std::size_t width, std::size_t depth,
                                 activation act, std::vector<double> scale)
    : d_(dim), width_(width), depth_(depth), act_(act), scale_(std::move(scale)) {
  if (d_ < 1 || (depth_ > 0 && width_ < 1))
    throw std::invalid_argument("dense_mlp_field: dimension and width must be positive");
  if (scale_.size() != d_)
    throw std::invalid_argument("dense_mlp_field: one output scale per component");
  for (std::size_t l = 0; l <= depth_; ++l) {
    const std::size_t rows = l == depth_ ? d_ : width_, cols = l == 0 ? d_ : width_;
    layers_.push_back({rows, cols, n_params_, n_params_ + rows * cols});
    n_params_ += rows * cols + rows;
  }
  z_.assign(depth_ * width_, 0.0);
  a_.assign(depth_ * width_, 0.0);
  const std::size_t wide = std::max(width_, d_);
  m_.assign(wide * d_, 0.0);
  m2_.assign(wide * d_, 0.0);
  delta_.assign(wide, 0.0);
  delta2_.assign(wide, 0.0);
}

void dense_mlp_field::bind(std::span<const double> p) {
  if (p.size() != n_params_)
    throw std::invalid_argument("dense_mlp_field: parameter count does not match the layers");
  p_ = p;
}

double dense_mlp_field::act(double x) const {
  if (act_ == activation::tanh) return std::tanh(x);
  return 0.5 * x * (1.0 + std::erf(x * inv_sqrt2));
}

double dense_mlp_field::act_prime(double x) const {
  if (act_ == activation::tanh) {
    const double h = std::tanh(x);
    return 1.0 - h * h;
  }
  // d/dx x Phi(x) = Phi(x) + x phi(x)
  const double phi = std::exp(-0.5 * x * x) * inv_sqrt_2pi;
  return 0.5 * (1.0 + std::erf(x * inv_sqrt2)) + x * phi;
}

void dense_mlp_field::forward(const double* y, double* out) {
  const double* x = y;
  for (std::size_t l = 0; l <= depth_; ++l) {
    const auto& s = layers_[l];
    const double* w = p_.data() + s.w_offset;
    const double* b = p_.data() + s.b_offset;
    double* z = l == depth_ ? out : z_.data() + l * width_;
    for (std::size_t r = 0; r < s.rows; ++r) {
      double acc = b[r];
      for (std::size_t c = 0; c < s.cols; ++c) acc += w[r * s.cols + c] * x[c];
      z[r] = acc;
    }
    if (l == depth_) break;
    double* a = a_.data() + l * width_;
    for (std::size_t r = 0; r < s.rows; ++r) a[r] = act(z[r]);
    x = a;
  }
}

int dense_mlp_field::rhs(double, const double* y, double* ydot) {
  forward(y, ydot);
  bool finite = true;
  for (std::size_t i = 0; i < d_; ++i) {
    ydot[i] *= scale_[i];
    finite = finite && std::isfinite(ydot[i]);
  }
  // A non-finite rate is the solver's cue to try a smaller step (recoverable), not a crash.
  return finite ? 0 : 1;
}

bool dense_mlp_field::jacobian(double, const double* y, double* jac) {
  double* out = delta_.data();
  forward(y, out);
  // Forward mode, one column per input: M <- W_0, then M <- W_{l+1} diag(g'(z_l)) M.
  const auto& s0 = layers_[0];
  std::copy_n(p_.data() + s0.w_offset, s0.rows * d_, m_.data());
  for (std::size_t l = 0; l < depth_; ++l) {
    const double* z = z_.data() + l * width_;
    for (std::size_t r = 0; r < width_; ++r) {
      const double g = act_prime(z[r]);
      for (std::size_t j = 0; j < d_; ++j) m_[r * d_ + j] *= g;
    }
    const auto& s = layers_[l + 1];
    const double* w = p_.data() + s.w_offset;
    for (std::size_t r = 0; r < s.rows; ++r)
      for (std::size_t j = 0; j < d_; ++j) {
        double acc = 0;
        for (std::size_t c = 0; c < s.cols; ++c) acc += w[r * s.cols + c] * m_[c * d_ + j];
        m2_[r * d_ + j] = acc;
      }
    std::swap(m_, m2_);
  }
  for (std::size_t i = 0; i < d_; ++i)
    for (std::size_t j = 0; j < d_; ++j) jac[i + d_ * j] = scale_[i] * m_[i * d_ + j];
  return true;
}

bool dense_mlp_field::vjp(double, const double* y, const double* lambda, double* out_y,
                          double* out_p) {
  forward(y, delta2_.data());
  for (std::size_t i = 0; i < d_; ++i) delta_[i] = scale_[i] * lambda[i];
  for (std::size_t l = depth_ + 1; l-- > 0;) {
    const auto& s = layers_[l];
    const double* x = l == 0 ? y : a_.data() + (l - 1) * width_;
    const double* w = p_.data() + s.w_offset;
    if (out_p) {
      double* dw = out_p + s.w_offset;
      double* db = out_p + s.b_offset;
      for (std::size_t r = 0; r < s.rows; ++r) {
        for (std::size_t c = 0; c < s.cols; ++c) dw[r * s.cols + c] = delta_[r] * x[c];
        db[r] = delta_[r];
      }
    }
    if (l == 0 && !out_y) break;
    // W_l^T delta, then through the activation of the layer below (or out, at the input).
    double* back = l == 0 ? out_y : delta2_.data();
    for (std::size_t c = 0; c < s.cols; ++c) {
      double acc = 0;
      for (std::size_t r = 0; r < s.rows; ++r) acc += w[r * s.cols + c] * delta_[r];
      back[c] = acc;
    }
    if (l == 0) break;
    const double* z = z_.data() + (l - 1) * width_;
    for (std::size_t c = 0; c < s.cols; ++c) delta_[c] = delta2_[c] * act_prime(z[c]);
  }
  return true;
}

}  // namespace esbio::models
