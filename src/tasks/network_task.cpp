#include "esbio/tasks/network_task.hpp"

#include <algorithm>
#include <cmath>

#include "esbio/core/error.hpp"
#include "esbio/core/file_access.hpp"
#include "esbio/models/network_file.hpp"
#include "esbio/models/neuron_registry.hpp"
#include "esbio/tasks/shared_options.hpp"

namespace esbio::tasks {

namespace {

// The largest network file esbio reads whole: W of 16384 x 16384 neurons in float64.
constexpr std::uint64_t max_network_bytes = std::uint64_t{1} << 31;

bool whole_steps(double ms, double dt) {
  const double s = ms / dt;
  return std::abs(s - std::round(s)) <= 1e-9 * std::max(1.0, s) && std::round(s) >= 1;
}

class network_task_evaluator final : public evaluator {
 public:
  explicit network_task_evaluator(const network_task& t)
      : source_(t.data(), {t.config_values().seed, t.config_values().trials,
                           t.config_values().validation_trials, t.config_values().batches}),
        net_(*t.network(), t.run(), t.layout(), t.params(), source_) {}

  using evaluator::evaluate;
  using evaluator::exact_gradient;
  using evaluator::gradient;
  evaluation evaluate(std::span<const double> theta, const work_item& item) override {
    return net_.evaluate(theta, item);
  }
  bool exact_gradient(std::span<const double> theta, const work_item& item,
                      std::span<double> grad) override {
    return net_.exact_readout_gradient(theta, item, grad);
  }
  evaluation gradient(std::span<const double> theta, const work_item& item,
                      std::span<double> grad) override {
    return net_.gradient(theta, item, grad);
  }
  std::vector<named_array> traces(std::span<const double> theta,
                                  std::uint32_t generation) override {
    auto out = net_.traces(theta, generation);
    const auto trials = source_.batch_trials(generation);
    out.push_back({"trial", {trials.size()}, std::vector<double>(trials.begin(), trials.end())});
    return out;
  }

 private:
  dataset_source source_;
  network_evaluator net_;
};

}  // namespace

const schema<network_task_config>& network_task_config::schema() {
  using c = network_task_config;
  using namespace codecs;
  static const auto s =
      esbio::schema<c>()
          .field("task.network", &c::network, text(),
                 "network: the network file (docs/network-files.md)")
          .field("task.data", &c::data, text(), "network: the dataset file (docs/network-files.md)")
          .field("task.integrator", &c::integrator,
                 choice<network_integrator>(
                     {{"fixed", network_integrator::fixed}, {"bdf", network_integrator::bdf}}),
                 "network: fixed (the model's fixed-step scheme) | bdf (CVODE, continuous)")
          .field("task.dt", &c::dt, real(real_sign::positive),
                 "network: step of the fixed-step scheme (ms; divides the data's dt_ms)")
          .field("task.precision", &c::precision,
                 choice<network_precision>({{"float64", network_precision::float64},
                                            {"float32", network_precision::float32}}),
                 "network: float64 | float32 (fixed: the scheme's arithmetic; bdf: W and the "
                 "coupling sums)")
          .field("task.trials", &c::trials, count<std::size_t>(1, 1u << 16),
                 "network: training trials per batch (shared by a generation's members)")
          .field("task.validation_trials", &c::validation_trials, count<std::size_t>(0, 1u << 24),
                 "network: the first this many trials of the validation split (0: all of them)")
          .field("task.batches", &c::batches,
                 choice<batch_order>(
                     {{"random", batch_order::random}, {"sequential", batch_order::sequential}}),
                 "network: random (drawn by the run seed each generation) | sequential (in file "
                 "order, epoch after epoch)")
          .field("task.loss", &c::loss,
                 codec<std::optional<loss_kind>>{
                     [](const std::string& key, const std::string& t) -> std::optional<loss_kind> {
                       const auto pick =
                           choice<loss_kind>({{"cross_entropy", loss_kind::cross_entropy},
                                              {"error_rate", loss_kind::error_rate},
                                              {"mse", loss_kind::mse},
                                              {"poisson", loss_kind::poisson},
                                              {"count_mse", loss_kind::count_mse}});
                       if (t == "auto") return std::nullopt;
                       return pick.parse(key, t);
                     },
                     [](const std::optional<loss_kind>& v) {
                       return v ? std::string(to_string(*v)) : std::string("auto");
                     }},
                 "network: cross_entropy | error_rate (labels) | mse (traces) | poisson | "
                 "count_mse (counts) | auto (cross_entropy, mse or poisson by the data's targets)")
          .field("task.validation_fraction", &c::validation_fraction, real(real_sign::positive),
                 "network: without a /split in the data, the share of trials drawn (by the seed) "
                 "for validation")
          .field("task.common_noise", &c::common_noise, flag(),
                 "network: members share a generation's initial voltages")
          .field("task.token_boundaries", &c::restart_at_samples,
                 choice<bool>({{"restart", true}, {"continue", false}}),
                 "network, bdf: restart (re-initialise CVODE) | continue at each input sample")
          .section(&c::solver, solver_schema());
  return s;
}

void network_task_config::validate() const {
  if (validation_fraction >= 1) throw input_error("task.validation_fraction must be below 1");
  check_linear_solver(solver, true);
}

network_task::network_task(network_task_config cfg) : cfg_(std::move(cfg)) {
  // The files are named, not defaulted: checked when the task is built, so that the defaults of
  // every key still read (esbio train --help, the schema's tests).
  if (cfg_.network.empty()) throw input_error("task.name = network needs task.network FILE");
  if (cfg_.data.empty()) throw input_error("task.name = network needs task.data FILE");
  network_ = models::network_from_tree(
      files().read_tree(cfg_.network, "network file", max_network_bytes), cfg_.network);
  const auto refuse = [&](const std::string& why) {
    throw input_error("task network ('" + cfg_.network + "', '" + cfg_.data + "'): " + why);
  };
  data_ =
      std::make_unique<dataset>(cfg_.data, network_.outputs, cfg_.seed, cfg_.validation_fraction);
  if (data_->channels() != network_.channels)
    refuse("the dataset has " + std::to_string(data_->channels()) +
           " input channels where the network's /input/W has " + std::to_string(network_.channels) +
           " rows");
  if (!whole_steps(data_->dt_ms(), cfg_.dt))
    refuse("the dataset's dt_ms = " + std::to_string(data_->dt_ms()) +
           " is not a whole number of task.dt = " + std::to_string(cfg_.dt) + " steps");
  const double trial_ms = data_->dt_ms() * static_cast<double>(data_->samples());
  if (data_->kind() != target_kind::traces) {
    if (network_.window_from_end_ms > trial_ms + 1e-9)
      refuse("the readout window starts " + std::to_string(network_.window_from_end_ms) +
             " ms before the end of trials " + std::to_string(trial_ms) + " ms long");
    if (!whole_steps(network_.window_from_end_ms - network_.window_to_end_ms, cfg_.dt) ||
        (network_.window_to_end_ms > 0 && !whole_steps(network_.window_to_end_ms, cfg_.dt)))
      refuse("the readout window_ms is not a whole number of task.dt steps");
  }
  const auto kind = data_->kind();
  const loss_kind loss = cfg_.loss                     ? *cfg_.loss
                         : kind == target_kind::labels ? loss_kind::cross_entropy
                         : kind == target_kind::traces ? loss_kind::mse
                                                       : loss_kind::poisson;
  const bool fits =
      (kind == target_kind::labels &&
       (loss == loss_kind::cross_entropy || loss == loss_kind::error_rate)) ||
      (kind == target_kind::traces && loss == loss_kind::mse) ||
      (kind == target_kind::counts && (loss == loss_kind::poisson || loss == loss_kind::count_mse));
  if (!fits)
    throw input_error(std::string("task.loss = ") + to_string(loss) + " does not fit the " +
                      (kind == target_kind::labels   ? "labels"
                       : kind == target_kind::traces ? "traces"
                                                     : "counts") +
                      " of '" + cfg_.data + "'");
  if (network_.coupling == models::coupling_kind::conductance &&
      cfg_.integrator == network_integrator::fixed)
    refuse(
        "conductance coupling needs task.integrator = bdf (the fixed-step schemes couple by "
        "current)");
  if (cfg_.trials > data_->train().size() && cfg_.batches == batch_order::sequential)
    refuse("task.trials = " + std::to_string(cfg_.trials) + " is more than the " +
           std::to_string(data_->train().size()) + " training trials");
  run_.seed = cfg_.seed;
  run_.integrator = cfg_.integrator;
  run_.precision = cfg_.precision;
  run_.dt = cfg_.dt;
  run_.sample_ms = data_->dt_ms();
  run_.common_noise = cfg_.common_noise;
  run_.restart_at_samples = cfg_.restart_at_samples;
  run_.loss = loss;
  run_.solver = cfg_.solver;
  const auto& model = models::find_neuron_model(network_.model());
  check_atol_components(
      cfg_.solver,
      (model.states() + (network_.coupling == models::coupling_kind::conductance ? 1 : 0)) *
          network_.neurons(),
      "network");
  params_ = add_network_blocks(network_, network_.trainable,
                               {network_array_names[0], network_array_names[1],
                                network_array_names[2], network_array_names[3]},
                               layout_);
  if (layout_.size() == 0) refuse("/trainable names no block: nothing to train");
  theta0_.assign(layout_.size(), 0.0);
  network_initial_params(network_, params_, layout_, theta0_);
}

std::vector<std::string> network_task::exact_blocks() const {
  if (!tasks::has_gradient(run_.loss)) return {};
  std::vector<std::string> out;
  for (const auto a : {readout_w, readout_b})
    if (params_.block[a]) out.push_back(network_array_names[a]);
  return out;
}

std::string network_task::no_gradient_reason() const {
  if (!tasks::has_gradient(run_.loss))
    return std::string("the loss ") + to_string(run_.loss) +
           " has no gradient (it counts errors); ES trains it";
  if (network_.readout == models::readout_variable::rate)
    return "the readout variable rate counts spikes, which has no gradient; ES trains it "
           "(or read out the spike indicator)";
  return "";
}

bool network_task::has_gradient() const {
  return no_gradient_reason().empty();
}

std::size_t network_task::validation_parts(std::size_t parts) const {
  const std::size_t v = cfg_.validation_trials == 0
                            ? data_->validation().size()
                            : std::min(cfg_.validation_trials, data_->validation().size());
  const std::size_t ratio = (v + cfg_.trials - 1) / cfg_.trials;
  return std::min(v, parts * ratio);
}

std::size_t network_task::gradient_parts() const {
  if (cfg_.integrator == network_integrator::bdf) return cfg_.trials;
  return std::max<std::size_t>(1, cfg_.trials / 10);
}

std::unique_ptr<evaluator> network_task::make_evaluator() const {
  return std::make_unique<network_task_evaluator>(*this);
}

models::network_description network_task::network_at(std::span<const double> theta) const {
  return network_with(network_, params_, layout_, theta);
}

void network_task::check_files() const {
  data_->check();
}

std::vector<std::pair<std::string, std::string>> network_task::file_record() const {
  const auto [size, sha] = files().fingerprint(cfg_.data);
  return {{"data_file", cfg_.data}, {"data_size", std::to_string(size)}, {"data_sha256", sha}};
}

}  // namespace esbio::tasks
