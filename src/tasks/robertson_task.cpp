#include "esbio/tasks/robertson_task.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/models/robertson.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/shared_options.hpp"
#include "esbio/tasks/trajectory.hpp"

namespace esbio::tasks {

namespace {

constexpr std::size_t species = 3;
constexpr double y0[species] = {1.0, 0.0, 0.0};

// Built by append: GCC 12 warns (-Wrestrict, a false positive) on "W" + std::to_string(l).
std::string block_name(char kind, std::size_t layer) {
  std::string name(1, kind);
  name += std::to_string(layer);
  return name;
}

std::vector<double> species_max(const std::vector<double>& truth) {
  std::vector<double> m(species, 0.0);
  for (std::size_t k = 0; k < truth.size(); ++k)
    m[k % species] = std::max(m[k % species], truth[k]);
  return m;
}

std::vector<double> output_scale(const std::vector<double>& yscale, double t_end) {
  std::vector<double> s(yscale);
  for (auto& v : s) v /= t_end;
  return s;
}

}  // namespace

// Tolerances (the defaults, task.truth_*): the species live on scales 10 orders apart. On the
// observation grid y1 >= 1.8e-2, y2 lies in [7.3e-8, 3.6e-5] and y3 in [1.6e-11, 0.98]; a
// single atol fit for y1 (1e-14, say) would leave y2 at 1e-7 relative accuracy late in the run
// and y3 at 1e-3 at the first observation. atol = (1e-20, 1e-24, 1e-24) sits far below
// rtol x the smallest value of each species, so every observation is under pure relative error
// control: at rtol 1e-10 esbio agrees with SciPy's Radau at 1e-12 to 4e-9 relative, entry by
// entry (tests/unit/test_robertson.cpp), y3's first value included.
std::vector<double> robertson_truth(std::span<const double> times, double rtol,
                                    std::span<const double> atol) {
  ode::solver_options o;
  o.lmm = ode::method::bdf;
  o.nls = ode::nonlinear_solver::newton;
  o.rtol = rtol;
  o.atol_per_component.assign(atol.begin(), atol.end());
  o.max_steps_total = 10'000'000;
  o.max_steps_per_output = 1'000'000;
  ode::integrator solver(o);
  models::robertson rober;
  std::vector<double> out(times.size() * species);
  const auto res = solver.solve(rober, 0.0, y0, times, out);
  if (res.status != ode::solve_status::success)
    throw std::runtime_error(std::string("the Robertson truth failed to integrate: ") +
                             ode::to_string(res.status));
  return out;
}

namespace {

// The one trajectory through every observation time.
class robertson_trajectory final : public trajectory_problem {
 public:
  robertson_trajectory(const robertson_task& task, models::dense_mlp_field& field)
      : task_(task), field_(field) {}
  ode::system& system() override { return field_; }
  std::size_t segments() const override { return 1; }
  segment segment_at(std::size_t) const override { return {0.0, y0, task_.times()}; }
  void accumulate(std::size_t, std::span<const double> pred, double& sum,
                  std::span<double> dl_dy) const override {
    const auto& truth = task_.truth();
    const auto& yscale = task_.yscale();
    const double scale = 1.0 / static_cast<double>(truth.size());
    for (std::size_t k = 0; k < pred.size(); ++k) {
      const double d = (pred[k] - truth[k]) / yscale[k % species];
      sum += std::abs(d);
      if (!dl_dy.empty())
        dl_dy[k] = (d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0)) * scale / yscale[k % species];
    }
  }
  double finish(double sum) const override {
    return sum / static_cast<double>(task_.truth().size());
  }
  void gradient_from(std::span<const double> dl_dp, std::span<double> grad) const override {
    std::copy(dl_dp.begin(), dl_dp.end(), grad.begin());
  }

 private:
  const robertson_task& task_;
  models::dense_mlp_field& field_;
};

class robertson_evaluator final : public evaluator {
 public:
  explicit robertson_evaluator(const robertson_task& task)
      : task_(task), field_(task.field()), solver_(task.config_values().solver) {}

  using evaluator::evaluate;
  using evaluator::gradient;
  evaluation evaluate(std::span<const double> theta, const work_item&) override {
    field_.bind(theta);
    robertson_trajectory p(task_, field_);
    return solve_trajectories(solver_, p);
  }
  evaluation gradient(std::span<const double> theta, const work_item&,
                      std::span<double> grad) override {
    field_.bind(theta);
    robertson_trajectory p(task_, field_);
    return adjoint_trajectories(solver_, p, grad);
  }
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t) override {
    field_.bind(theta);
    const auto& times = task_.times();
    std::vector<double> pred(task_.truth().size());
    solver_.begin_budget();
    solver_.solve(field_, 0.0, y0, times, pred);  // rows not reached on failure are NaN
    const std::size_t n = times.size();
    return {{"t", {n}, times},
            {"truth", {n, species}, task_.truth()},
            {"prediction", {n, species}, pred},
            {"yscale", {species}, task_.yscale()}};
  }

 private:
  const robertson_task& task_;
  models::dense_mlp_field field_;
  ode::integrator solver_;
};

}  // namespace

const schema<robertson_config>& robertson_config::schema() {
  using c = robertson_config;
  using namespace codecs;
  static const auto s =
      esbio::schema<c>()
          .field("task.hidden", &c::hidden, count<std::size_t>(1, 1u << 20),
                 "robertson: hidden width of the MLP vector field")
          .field("task.depth", &c::depth, count<std::size_t>(0, 64),
                 "robertson: hidden layers of the MLP vector field")
          .field("task.activation", &c::activation,
                 choice<models::activation>(
                     {{"gelu", models::activation::gelu}, {"tanh", models::activation::tanh}}),
                 "robertson: hidden activation, gelu (exact, erf) | tanh")
          .field("task.observations", &c::observations, count<std::size_t>(2, 1u << 20),
                 "robertson: observation times 10^linspace(-5, 5, n)")
          .field("task.truth_rtol", &c::truth_rtol, real(real_sign::positive),
                 "relative tolerance of the true-trajectory solve")
          .field("task.truth_atol_species", &c::truth_atol_species, reals("none"),
                 "robertson: absolute tolerances of the truth for y1, y2, y3")
          .section(&c::solver, solver_schema());
  return s;
}

void robertson_config::validate() const {
  if (hidden < 1) throw input_error("task.hidden must be at least 1");
  if (observations < 2) throw input_error("task.observations must be at least 2");
  if (truth_atol_species.size() != species)
    throw input_error("task.truth_atol_species needs 3 values (y1, y2, y3), got " +
                      std::to_string(truth_atol_species.size()));
  check_linear_solver(solver, false);
  check_atol_components(solver, species, "robertson");
  // The parameter count before anything is allocated: width^2 x depth grows fast.
  const double p =
      static_cast<double>(hidden) * static_cast<double>(hidden + 1) * static_cast<double>(depth);
  if (p > static_cast<double>(max_parameters))
    throw input_error("task robertson as configured has about " + std::to_string(p) +
                      " parameters, more than esbio's limit of " + std::to_string(max_parameters));
}

robertson_task::robertson_task(robertson_config cfg)
    : cfg_((cfg.validate(), std::move(cfg))),
      times_(models::log_spaced_times(cfg_.observations)),
      truth_(robertson_truth(times_, cfg_.truth_rtol, cfg_.truth_atol_species)),
      yscale_(species_max(truth_)),
      field_(species, cfg_.hidden, cfg_.depth, cfg_.activation,
             output_scale(yscale_, times_.back())) {
  for (std::size_t l = 0; l < field_.layers().size(); ++l) {
    const auto& s = field_.layers()[l];
    layout_.add(block_name('W', l), s.rows, s.cols).add(block_name('b', l), s.rows, 1);
  }
  // The field reads theta in place; its span layout and the blocks must coincide.
  for (std::size_t l = 0; l < field_.layers().size(); ++l)
    if (layout_.block(block_name('W', l)).offset != field_.layers()[l].w_offset ||
        layout_.block(block_name('b', l)).offset != field_.layers()[l].b_offset)
      throw std::logic_error("robertson_task: parameter blocks out of step with the field");
}

std::unique_ptr<evaluator> robertson_task::make_evaluator() const {
  return std::make_unique<robertson_evaluator>(*this);
}

std::vector<double> robertson_task::initial_params() const {
  std::vector<double> theta(layout_.size(), 0.0);
  for (std::size_t l = 0; l < field_.layers().size(); ++l) {
    const auto& s = field_.layers()[l];
    const double bound = std::sqrt(6.0 / static_cast<double>(s.rows + s.cols));
    random_stream(cfg_.seed, stream::init, 0, static_cast<std::uint32_t>(l))
        .fill_uniform(std::span(theta).subspan(s.w_offset, s.rows * s.cols), -bound, bound);
  }
  return theta;
}

}  // namespace esbio::tasks
