#pragma once
// First-order optimisers applied to an ES gradient estimate, with PyTorch's update rules and
// defaults (the reference code stepped torch.optim). State is kept per element; step counts are
// kept per parameter block because block-coordinate ES steps one block per generation, and the
// reference code gave each layer its own optimiser object.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/schema.hpp"

namespace esbio::es {

enum class optimizer_kind { sgd, adam, rmsprop, clipup };
const char* to_string(optimizer_kind k);

// The defaults are the command line's (optimizer_config_schema()).
struct optimizer_config {
  optimizer_kind kind = optimizer_kind::adam;
  double lr = 3e-3;
  double momentum = 0.0;              // sgd
  double beta1 = 0.9, beta2 = 0.999;  // adam
  double alpha = 0.99;                // rmsprop smoothing
  double eps = 1e-8;                  // adam, rmsprop
  double weight_decay = 0.0;          // decoupled (AdamW-style): theta -= lr * wd * theta
  // clipup (Toklu et al. 2020, "ClipUp: a simple and powerful optimizer for distribution-based
  // policy evolution"): v = momentum v + lr g/|g|, clipped to |v| <= max_speed; theta -= v.
  // 0: twice lr, the paper's recommendation.
  double max_speed = 0.0;
  // method = bp: rescale a gradient whose Euclidean norm exceeds this to that norm before the
  // step (torch.nn.utils.clip_grad_norm_; the paper's BP on task B clips at 10). 0: never. ES
  // estimates are never clipped: the paper's ES did not clip.
  double clip_norm = 0.0;
  // method = bp, a gradient with non-finite entries: false skips the step (the entry's NaN says
  // the trajectory failed, and a failure is a result, not a direction); true sets those entries
  // to 0 and steps on the rest, as the paper's BP did ("Zero NaNs in gradients. This can sometimes
  // pop up with BNNs").
  bool zero_nonfinite = false;
};

// The optim.* keys.
const schema<optimizer_config>& optimizer_config_schema();
void validate(const optimizer_config& cfg);  // throws input_error naming the bad setting

// The gradient rescaled in place to norm at most max_norm (0: unchanged); returns its norm before.
double clip_to_norm(std::span<double> grad, double max_norm);

struct optimizer_state {
  std::vector<double> m, v;         // first and second moments (sgd: momentum buffer in m)
  std::vector<std::int64_t> steps;  // per block
};

class optimizer {
 public:
  optimizer(optimizer_config cfg, std::size_t n_params, std::size_t n_blocks);

  // theta[offset + k] -= update(grad[k]) for k < grad.size(); block selects the step counter.
  void step(std::span<double> theta, std::span<const double> grad, std::size_t offset,
            std::size_t block);
  // One step over several parameter blocks moved together (a strategy's active set): grad is
  // their concatenation; every block's counter advances to the first one's count plus one, and
  // clipup normalises over the whole of grad.
  struct segment {
    std::size_t offset, size, block;
  };
  void step(std::span<double> theta, std::span<const double> grad,
            std::span<const segment> segments);

  const optimizer_config& config() const { return cfg_; }
  const optimizer_state& state() const { return st_; }
  void restore(optimizer_state st);  // from a checkpoint; sizes are checked

 private:
  optimizer_config cfg_;
  optimizer_state st_;
};

}  // namespace esbio::es
