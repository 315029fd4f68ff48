#pragma once
// A task maps a parameter vector and a generation to one scalar loss, using forward solves only:
// data generation + model + loss. Tasks are pure functions of their inputs (the configuration,
// the run seed, theta and the generation), which is what makes results independent of which rank
// evaluated what. A task object owns its integrator; each rank builds its own.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/core/params.hpp"
#include "esbio/ode/integrator.hpp"

namespace esbio::tasks {

// Everything a task can be configured with. Fields a task does not use are ignored by it and
// still recorded in the run file.
struct task_config {
  std::string name = "spiral";
  std::uint64_t seed = 0;
  // spiral (task C)
  std::size_t hidden = 1000;  // MLP width H
  std::size_t batch = 20;     // windows per generation
  std::size_t window = 10;    // points per window
  std::size_t points = 1000;  // observation times of the true trajectory
  double t_end = 25.0;
  double truth_rtol = 1e-10, truth_atol = 1e-12;
  ode::solver_options solver;  // the model solves
};

// The generation number that asks a task for its fixed validation batch: the same data in every
// generation, so the logged validation loss is a smooth learning curve. Training generations never
// reach it.
inline constexpr std::uint32_t validation_generation = 0xFFFFFFFFu;

class task {
 public:
  virtual ~task() = default;
  virtual std::string name() const = 0;
  virtual const param_layout& layout() const = 0;
  virtual std::vector<double> initial_params() const = 0;
  virtual bool classification() const { return false; }
  // Loss of theta on the batch of the given generation (the same batch for every member), or on
  // the fixed validation batch.
  virtual evaluation evaluate(std::span<const double> theta, std::uint32_t generation) = 0;
};

// Build the task named in cfg.name; throws input_error for an unknown name or invalid settings.
std::unique_ptr<task> make_task(const task_config& cfg);
const std::vector<std::string>& task_names();

}  // namespace esbio::tasks
