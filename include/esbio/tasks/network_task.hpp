#pragma once
// task.name = network: the user's network (task.network, a network file) trained on the user's
// data (task.data, a dataset file), both described in docs/network-files.md. Everything task B
// does, from files: ES with every strategy, BP (BPTT on the fixed-step scheme, the adjoint on
// BDF), float32 and float64, work items smaller than a member, resume, bit-identity across rank
// counts. Its theta is the network's trainable arrays (/trainable blocks: input.W, recurrent.W
// holding the connections the mask keeps, readout.W, readout.b), through their bounds.
//
// Each generation's batch is task.trials training trials drawn by the run seed (or taken in
// file order with task.batches = sequential), the same for every member; the validation batch
// is the first task.validation_trials of the validation split (0: all of it), evaluated every
// run.validate_every generations like task B's.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/models/network_description.hpp"
#include "esbio/ode/solver_options.hpp"
#include "esbio/tasks/dataset.hpp"
#include "esbio/tasks/network_evaluator.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

struct network_task_config {
  std::uint64_t seed = 0;
  std::string network, data;  // file paths
  network_integrator integrator = network_integrator::fixed;
  network_precision precision = network_precision::float64;
  double dt = 0.1;  // ms, the fixed-step scheme; divides the dataset's dt_ms
  std::size_t trials = 32;
  std::size_t validation_trials = 500;  // 0: the whole validation split
  batch_order batches = batch_order::random;
  std::optional<loss_kind> loss;  // unset: cross_entropy for labels, mse for traces, poisson
  double validation_fraction = 0.1;
  bool common_noise = false;
  bool restart_at_samples = true;
  ode::solver_options solver;

  // The task's keys ([task], [ode]); the defaults are the initialisers.
  static const esbio::schema<network_task_config>& schema();
  void validate() const;  // input_error naming the bad setting
};

class network_task final : public task {
 public:
  using config = network_task_config;
  explicit network_task(network_task_config cfg);

  std::string name() const override { return "network"; }
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override { return theta0_; }
  bool classification() const override { return data_->kind() == target_kind::labels; }
  std::vector<std::string> exact_blocks() const override;
  bool has_gradient() const override;
  std::size_t batch_parts() const override { return cfg_.trials; }
  std::size_t validation_parts(std::size_t parts) const override;
  std::size_t gradient_parts() const override;
  std::unique_ptr<evaluator> make_evaluator() const override;
  const models::network_description* network() const override { return &network_; }
  models::network_description network_at(std::span<const double> theta) const override;
  void check_files() const override;
  std::vector<std::pair<std::string, std::string>> file_record() const override;
  std::string no_gradient_reason() const override;

  const network_task_config& config_values() const { return cfg_; }
  const dataset& data() const { return *data_; }
  const network_run& run() const { return run_; }
  const network_params& params() const { return params_; }

 private:
  network_task_config cfg_;
  models::network_description network_;
  std::unique_ptr<dataset> data_;
  network_run run_;
  param_layout layout_;
  network_params params_;
  std::vector<double> theta0_;
};

}  // namespace esbio::tasks
