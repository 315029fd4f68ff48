#include "esbio/models/mlp_field.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace esbio::models {

namespace {
// The hidden layer's tanh is most of the cost of an evaluation (H = 1000 per right-hand side).
// This file is compiled with -ffast-math -fopenmp-simd (see CMakeLists.txt) so that glibc's
// libmvec vector tanh is used here and only here: 2-4x faster, a few ulp from the scalar one,
// and the same bits on every rank running the same binary.
void vector_tanh(double* x, std::size_t n) {
#pragma omp simd
  for (std::size_t k = 0; k < n; ++k) x[k] = std::tanh(x[k]);
}
}  // namespace

void cubic_mlp_field::hidden(const double* y, double* u) {
  for (std::size_t j = 0; j < d_; ++j) u[j] = y[j] * y[j] * y[j];
  for (std::size_t k = 0; k < h_; ++k) {
    double z = 0;
    for (std::size_t j = 0; j < d_; ++j) z += w1_[k * d_ + j] * u[j];
    act_[k] = z;
  }
  vector_tanh(act_.data(), h_);
}

cubic_mlp_field::cubic_mlp_field(std::size_t dim, std::size_t hidden)
    : d_(dim), h_(hidden), act_(hidden) {
  if (dim < 1 || dim > max_dim)
    throw std::invalid_argument("cubic_mlp_field: dimension must be 1 to " +
                                std::to_string(max_dim));
}

void cubic_mlp_field::bind(std::span<const double> w1, std::span<const double> w2) {
  if (w1.size() != h_ * d_ || w2.size() != d_ * h_)
    throw std::invalid_argument("cubic_mlp_field: weight sizes do not match dim and hidden");
  w1_ = w1;
  w2_ = w2;
}

int cubic_mlp_field::rhs(double, const double* y, double* ydot) {
  double u[max_dim];
  hidden(y, u);
  for (std::size_t i = 0; i < d_; ++i) {
    double s = 0;
    const double* row = w2_.data() + i * h_;
    for (std::size_t k = 0; k < h_; ++k) s += row[k] * act_[k];
    ydot[i] = s;
  }
  return 0;
}

bool cubic_mlp_field::jacobian(double, const double* y, double* jac) {
  double u[max_dim];
  hidden(y, u);
  for (std::size_t k = 0; k < h_; ++k) act_[k] = 1.0 - act_[k] * act_[k];
  for (std::size_t i = 0; i < d_; ++i)
    for (std::size_t j = 0; j < d_; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < h_; ++k) s += w2_[i * h_ + k] * act_[k] * w1_[k * d_ + j];
      jac[i + d_ * j] = s * 3.0 * y[j] * y[j];
    }
  return true;
}

bool cubic_mlp_field::vjp(double, const double* y, const double* lambda, double* out_y,
                          double* out_p) {
  double u[max_dim];
  hidden(y, u);
  if (out_p) {
    double* dw2 = out_p + h_ * d_;
    for (std::size_t i = 0; i < d_; ++i)
      for (std::size_t k = 0; k < h_; ++k) dw2[i * h_ + k] = lambda[i] * act_[k];
  }
  double gu[max_dim] = {};
  for (std::size_t k = 0; k < h_; ++k) {
    double gh = 0;
    for (std::size_t i = 0; i < d_; ++i) gh += w2_[i * h_ + k] * lambda[i];
    const double g = gh * (1.0 - act_[k] * act_[k]);
    for (std::size_t j = 0; j < d_; ++j) {
      if (out_p) out_p[k * d_ + j] = g * u[j];
      gu[j] += w1_[k * d_ + j] * g;
    }
  }
  if (out_y)
    for (std::size_t j = 0; j < d_; ++j) out_y[j] = 3.0 * y[j] * y[j] * gu[j];
  return true;
}

}  // namespace esbio::models
