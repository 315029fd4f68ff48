#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "esbio/es/optimizer.hpp"

using namespace esbio::es;

TEST_CASE("SGD with momentum follows the PyTorch recursion") {
  optimizer_config c;
  c.kind = optimizer_kind::sgd;
  c.lr = 0.1;
  c.momentum = 0.9;
  optimizer o(c, 1, 1);
  std::vector<double> th{1.0};
  o.step(th, std::vector<double>{2.0}, 0, 0);  // buf = 2
  CHECK(th[0] == doctest::Approx(1.0 - 0.2));
  o.step(th, std::vector<double>{1.0}, 0, 0);  // buf = 0.9*2 + 1 = 2.8
  CHECK(th[0] == doctest::Approx(0.8 - 0.28));
}

TEST_CASE("Adam's first step has size lr in the sign of the gradient") {
  optimizer_config c;
  c.kind = optimizer_kind::adam;
  c.lr = 0.01;
  optimizer o(c, 3, 1);
  std::vector<double> th{0.0, 0.0, 0.0};
  o.step(th, std::vector<double>{3.0, -1e-3, 40.0}, 0, 0);
  CHECK(th[0] == doctest::Approx(-0.01).epsilon(1e-6));
  CHECK(th[1] == doctest::Approx(0.01).epsilon(1e-4));
  CHECK(th[2] == doctest::Approx(-0.01).epsilon(1e-6));
  // Second step with the same gradient: m^ = g, v^ = g^2 again.
  o.step(th, std::vector<double>{3.0, -1e-3, 40.0}, 0, 0);
  CHECK(th[0] == doctest::Approx(-0.02).epsilon(1e-6));
}

TEST_CASE("RMSprop's first step is lr / sqrt(1 - alpha) in the sign of the gradient") {
  optimizer_config c;
  c.kind = optimizer_kind::rmsprop;
  c.lr = 1e-3;
  optimizer o(c, 2, 1);
  std::vector<double> th{0.0, 0.0};
  o.step(th, std::vector<double>{5.0, -0.5}, 0, 0);
  CHECK(th[0] == doctest::Approx(-1e-3 / std::sqrt(0.01)).epsilon(1e-6));
  CHECK(th[1] == doctest::Approx(1e-3 / std::sqrt(0.01)).epsilon(1e-6));
}

TEST_CASE("blocks keep their own step counts and only their slice moves") {
  optimizer_config c;
  c.kind = optimizer_kind::adam;
  c.lr = 0.5;
  optimizer o(c, 4, 2);
  std::vector<double> th{0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) o.step(th, std::vector<double>{1.0, 1.0}, 0, 0);
  CHECK(th[2] == 0.0);
  CHECK(th[3] == 0.0);
  o.step(th, std::vector<double>{-2.0, 4.0}, 2, 1);
  // Block 1's first step is bias-corrected as a first step, whatever block 0 did.
  CHECK(th[2] == doctest::Approx(0.5).epsilon(1e-6));
  CHECK(th[3] == doctest::Approx(-0.5).epsilon(1e-6));
  CHECK(o.state().steps == std::vector<std::int64_t>{5, 1});
}

TEST_CASE("decoupled weight decay shrinks parameters without a gradient") {
  optimizer_config c;
  c.kind = optimizer_kind::sgd;
  c.lr = 0.1;
  c.weight_decay = 0.5;
  optimizer o(c, 1, 1);
  std::vector<double> th{2.0};
  o.step(th, std::vector<double>{0.0}, 0, 0);
  CHECK(th[0] == doctest::Approx(2.0 * (1 - 0.05)));
}

TEST_CASE("Adam with weight decay is PyTorch's AdamW (task D's reference optimiser)") {
  // torch.optim.AdamW: theta *= 1 - lr wd, then the Adam step on the raw gradient.
  // lr 0.1, wd 0.5, betas (0.9, 0.999), eps 1e-8, theta 1, gradients 2 then -1. By hand:
  //  t=1: theta = 0.95; m = 0.2, v = 0.004; m^ = 2, v^ = 4;
  //       theta = 0.95 - 0.1 * 2 / (2 + 1e-8) = 0.8500000005
  //  t=2: theta = 0.8500000005 * 0.95 = 0.807500000475; m = 0.18 - 0.1 = 0.08,
  //       v = 0.003996 + 0.001 = 0.004996; m^ = 0.08 / 0.19 = 0.42105263157894735,
  //       v^ = 0.004996 / 0.001999 = 2.49924962481..., sqrt = 1.58090152280...;
  //       theta = 0.807500000475 - 0.1 * 0.42105263157894735 / (1.58090152280 + 1e-8)
  //             = 0.78086629667743
  optimizer_config c;
  c.kind = optimizer_kind::adam;
  c.lr = 0.1;
  c.weight_decay = 0.5;
  optimizer o(c, 1, 1);
  std::vector<double> th{1.0};
  o.step(th, std::vector<double>{2.0}, 0, 0);
  CHECK(th[0] == doctest::Approx(0.8500000005).epsilon(1e-14));
  o.step(th, std::vector<double>{-1.0}, 0, 0);
  CHECK(th[0] == doctest::Approx(0.78086629667743).epsilon(1e-12));
}

TEST_CASE("restoring a checkpointed state checks its shape") {
  optimizer o({}, 3, 2);
  optimizer_state bad;
  bad.m.assign(2, 0.0);
  bad.v.assign(3, 0.0);
  bad.steps.assign(2, 0);
  CHECK_THROWS(o.restore(bad));
}

TEST_CASE("gradient-norm clipping rescales only gradients longer than the limit") {
  std::vector<double> g{3.0, 4.0};
  CHECK(clip_to_norm(g, 10.0) == doctest::Approx(5.0));
  CHECK(g == std::vector<double>{3.0, 4.0});
  CHECK(clip_to_norm(g, 1.0) == doctest::Approx(5.0));
  CHECK(g[0] == doctest::Approx(0.6));
  CHECK(g[1] == doctest::Approx(0.8));
  CHECK(clip_to_norm(g, 0.0) == doctest::Approx(1.0));  // 0: off
}
