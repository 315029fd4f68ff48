#include "esbio/models/mlp_field.hpp"

#include "esbio/models/fast_tanh.hpp"

#include <algorithm>
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

// sum_k a_k b_k in eight partial sums by index, combined in a fixed order: the same bits
// wherever the vectors sit in memory (a compiler-vectorised reduction under -ffast-math may peel
// for alignment, which would make a copy's result depend on its offset in the batch).
double dot(const double* a, const double* b, std::size_t n) {
  constexpr std::size_t lanes = 8;
  double p[lanes] = {};
  std::size_t k = 0;
  for (; k + lanes <= n; k += lanes)
#pragma omp simd
    for (std::size_t l = 0; l < lanes; ++l) p[l] += a[k + l] * b[k + l];
  double s = ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
  for (; k < n; ++k) s += a[k] * b[k];
  return s;
}

}  // namespace

// Z = U W1^T along H. At d = 2 (the spiral) the two products of a row are written out so the
// loop over H vectorises (the generic per-row sum did not: 37 % of task C's time). Each copy's
// tanh is its own call, so a copy's bits do not depend on its place in the batch.
void cubic_mlp_field::hidden_layer(const double* y) {
  const double* w1 = w1_.data();
  for (std::size_t b = 0; b < copies_; ++b) {
    const double* yb = y + b * d_;
    double* u = cube_.data() + b * d_;
    for (std::size_t j = 0; j < d_; ++j) u[j] = yb[j] * yb[j] * yb[j];
    double* z = act_.data() + b * h_;
    if (d_ == 2) {
      const double u0 = u[0], u1 = u[1];
#pragma omp simd
      for (std::size_t k = 0; k < h_; ++k) z[k] = w1[2 * k] * u0 + w1[2 * k + 1] * u1;
    } else {
      for (std::size_t k = 0; k < h_; ++k) {
        double s = 0;
        for (std::size_t j = 0; j < d_; ++j) s += w1[k * d_ + j] * u[j];
        z[k] = s;
      }
    }
    vector_tanh(z, h_);
  }
}

// bind() transposes W1 (its d columns contiguous) and pads H to a multiple of 16 (an AVX-512
// register of floats) with zero weights, whose lanes add tanh(0) * 0 = 0: every loop runs whole
// registers, with no scalar tail and no alignment peeling. Each output's sum over H is sixteen
// float partial sums by index, combined in double in a fixed order, as dot() does.
void cubic_mlp_field::rhs32(const double* y, double* ydot) {
  constexpr std::size_t lanes = 16;
  const std::size_t hp = padded_hidden();
  float* z = act32_.data();
  for (std::size_t b = 0; b < copies_; ++b) {
    const double* yb = y + b * d_;
    float u[max_dim];
    for (std::size_t j = 0; j < d_; ++j) u[j] = static_cast<float>(yb[j] * yb[j] * yb[j]);
    if (d_ == 2) {  // the spiral: one pass
      const float u0 = u[0], u1 = u[1];
      const float *c0 = w1t32_.data(), *c1 = c0 + hp;
#pragma omp simd
      for (std::size_t k = 0; k < hp; ++k) z[k] = c0[k] * u0 + c1[k] * u1;
    } else {
      std::fill(z, z + hp, 0.0f);
      for (std::size_t j = 0; j < d_; ++j) {
        const float uj = u[j];
        const float* c = w1t32_.data() + j * hp;
#pragma omp simd
        for (std::size_t k = 0; k < hp; ++k) z[k] += c[k] * uj;
      }
    }
    tanh_rational(z, hp);
    const auto combine = [](const float* p) {
      double q[lanes / 2];
      for (std::size_t l = 0; l < lanes / 2; ++l)
        q[l] = static_cast<double>(p[l]) + static_cast<double>(p[l + lanes / 2]);
      return ((q[0] + q[4]) + (q[2] + q[6])) + ((q[1] + q[5]) + (q[3] + q[7]));
    };
    if (d_ == 2) {  // both outputs in one pass over tanh(Z)
      const float *w0 = w2_32_.data(), *w1 = w0 + hp;
      float p0[lanes] = {}, p1[lanes] = {};
      for (std::size_t k = 0; k < hp; k += lanes)
#pragma omp simd
        for (std::size_t l = 0; l < lanes; ++l) {
          p0[l] += w0[k + l] * z[k + l];
          p1[l] += w1[k + l] * z[k + l];
        }
      ydot[b * d_] = combine(p0);
      ydot[b * d_ + 1] = combine(p1);
      continue;
    }
    for (std::size_t i = 0; i < d_; ++i) {
      const float* w = w2_32_.data() + i * hp;
      float p[lanes] = {};
      for (std::size_t k = 0; k < hp; k += lanes)
#pragma omp simd
        for (std::size_t l = 0; l < lanes; ++l) p[l] += w[k + l] * z[k + l];
      ydot[b * d_ + i] = combine(p);
    }
  }
}

cubic_mlp_field::cubic_mlp_field(std::size_t dim, std::size_t hidden, std::size_t copies,
                                 field_precision precision)
    : d_(dim),
      h_(hidden),
      copies_(copies),
      precision_(precision),
      act_(copies * hidden),
      cube_(copies * dim),
      back_(hidden) {
  if (dim < 1 || dim > max_dim)
    throw std::invalid_argument("cubic_mlp_field: dimension must be 1 to " +
                                std::to_string(max_dim));
  if (copies < 1) throw std::invalid_argument("cubic_mlp_field: at least one copy");
}

void cubic_mlp_field::bind(std::span<const double> w1, std::span<const double> w2) {
  if (w1.size() != h_ * d_ || w2.size() != d_ * h_)
    throw std::invalid_argument("cubic_mlp_field: weight sizes do not match dim and hidden");
  w1_ = w1;
  w2_ = w2;
  if (precision_ == field_precision::float32) {
    const std::size_t hp = padded_hidden();
    w1t32_.assign(hp * d_, 0.0f);
    w2_32_.assign(d_ * hp, 0.0f);
    for (std::size_t k = 0; k < h_; ++k)
      for (std::size_t j = 0; j < d_; ++j) {
        w1t32_[j * hp + k] = static_cast<float>(w1[k * d_ + j]);
        w2_32_[j * hp + k] = static_cast<float>(w2[j * h_ + k]);
      }
    act32_.assign(hp, 0.0f);
  }
}

int cubic_mlp_field::rhs(double, const double* y, double* ydot) {
  if (precision_ == field_precision::float32) {
    rhs32(y, ydot);
    return 0;
  }
  hidden_layer(y);
  for (std::size_t b = 0; b < copies_; ++b)
    for (std::size_t i = 0; i < d_; ++i)
      ydot[b * d_ + i] = dot(w2_.data() + i * h_, act_.data() + b * h_, h_);
  return 0;
}

bool cubic_mlp_field::jacobian(double, const double* y, double* jac) {
  hidden_layer(y);
  const std::size_t m = size();
  std::fill(jac, jac + m * m, 0.0);
  double* g = back_.data();
  for (std::size_t b = 0; b < copies_; ++b) {
    const double* h = act_.data() + b * h_;
    const double* yb = y + b * d_;
    for (std::size_t j = 0; j < d_; ++j) {
      for (std::size_t k = 0; k < h_; ++k) g[k] = (1.0 - h[k] * h[k]) * w1_[k * d_ + j];
      for (std::size_t i = 0; i < d_; ++i)
        jac[(b * d_ + i) + m * (b * d_ + j)] =
            dot(w2_.data() + i * h_, g, h_) * 3.0 * yb[j] * yb[j];
    }
  }
  return true;
}

bool cubic_mlp_field::vjp(double, const double* y, const double* lambda, double* out_y,
                          double* out_p) {
  hidden_layer(y);
  if (out_p) std::fill(out_p, out_p + parameter_count(), 0.0);
  double* dw2 = out_p ? out_p + h_ * d_ : nullptr;
  double* g = back_.data();
  for (std::size_t b = 0; b < copies_; ++b) {
    const double* h = act_.data() + b * h_;
    const double* lb = lambda + b * d_;
    const double* u = cube_.data() + b * d_;
    if (dw2)
      for (std::size_t i = 0; i < d_; ++i)
        for (std::size_t k = 0; k < h_; ++k) dw2[i * h_ + k] += lb[i] * h[k];
    // g = (W2^T l) o (1 - h o h), dL/dW1[k][j] += g_k u_j, dL/du = W1^T g.
    for (std::size_t k = 0; k < h_; ++k) {
      double gh = 0;
      for (std::size_t i = 0; i < d_; ++i) gh += w2_[i * h_ + k] * lb[i];
      g[k] = gh * (1.0 - h[k] * h[k]);
    }
    if (out_p)
      for (std::size_t k = 0; k < h_; ++k)
        for (std::size_t j = 0; j < d_; ++j) out_p[k * d_ + j] += g[k] * u[j];
    if (out_y)
      for (std::size_t j = 0; j < d_; ++j) {
        double s = 0;
        for (std::size_t k = 0; k < h_; ++k) s += w1_[k * d_ + j] * g[k];
        out_y[b * d_ + j] = 3.0 * y[b * d_ + j] * y[b * d_ + j] * s;
      }
  }
  return true;
}

}  // namespace esbio::models
