#include <doctest/doctest.h>

#include "esbio/core/error.hpp"
#include "esbio/tasks/neuron_spec.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/tasks/shared_options.hpp"
#include "esbio/tasks/spiral_task.hpp"
#include "options.hpp"

using namespace esbio;
using namespace esbio::cli;

TEST_CASE("defaults, INI values and command-line overrides, in that order of precedence") {
  const std::string ini = "[es]\npopulation = 64\nsigma = 0.05\n[task]\nhidden = 30\n";
  const auto s = resolve_settings(ini, "test.ini", {"--es.sigma", "0.2", "--out", "x.h5"});
  const auto cfg = to_run_config(s);
  CHECK(cfg.es.population == 64);  // from the INI
  CHECK(cfg.es.sigma == 0.2);      // command line wins
  CHECK(cfg.values.at("task.hidden") == "30");
  CHECK(cfg.optim.kind == es::optimizer_kind::adam);  // default
  CHECK(cfg.text.find("es.sigma = 0.2\n") != std::string::npos);
}

TEST_CASE("the canonical text round-trips and ignores spelling") {
  const auto a = to_run_config(resolve_settings("", "", {"--es.sigma", "1e-2"}));
  const auto b = to_run_config(resolve_settings("", "", {"--es.sigma", "0.010"}));
  CHECK(a.text == b.text);
  const auto c = to_run_config(resolve_settings(a.text, "run file", {}));
  CHECK(c.text == a.text);
  CHECK(train::config_hash(a.text) == train::config_hash(c.text));
}

TEST_CASE("only resumable keys may change under one configuration hash") {
  const auto a = to_run_config(resolve_settings("", "", {"--es.generations", "10"}));
  const auto b = to_run_config(resolve_settings("", "", {"--es.generations", "20"}));
  const auto c = to_run_config(resolve_settings("", "", {"--es.population", "20"}));
  CHECK(train::config_hash(a.text) == train::config_hash(b.text));
  CHECK(train::config_hash(a.text) != train::config_hash(c.text));
}

TEST_CASE("bad settings name themselves") {
  auto bad = [](std::vector<std::string> args) {
    return to_run_config(resolve_settings("", "", args));
  };
  CHECK_THROWS_WITH_AS(bad({"--es.sigma", "0"}), "es.sigma must be a positive number", input_error);
  CHECK_THROWS_WITH_AS(bad({"--es.sigma", "abc"}), "es.sigma = 'abc' is not a finite number",
                       input_error);
  CHECK_THROWS_WITH_AS(bad({"--es.population", "1"}), "es.population must be at least 2",
                       input_error);
  CHECK_THROWS_WITH_AS(bad({"--es.population", "-3"}),
                       "es.population = '-3' is not a non-negative integer", input_error);
  CHECK_THROWS_WITH_AS(bad({"--optim.name", "lbfgs"}),
                       "optim.name = 'lbfgs' is not one of: sgd, adam, rmsprop, clipup",
                       input_error);
  CHECK_THROWS_WITH_AS(bad({"--es.bogus", "1"}), doctest::Contains("es.bogus"), input_error);
  CHECK_THROWS_AS(resolve_settings("[es]\nfrobnicate = 2\n", "x.ini", {}), input_error);
  CHECK_THROWS_WITH_AS(resolve_settings("this is not ini\n", "x.ini", {}),
                       doctest::Contains("x.ini"), input_error);
}

TEST_CASE("the resolved configuration lists only the keys that apply to the run's task") {
  const auto spiral = to_run_config(resolve_settings("", "", {}));
  const auto turn_off = to_run_config(resolve_settings("", "", {"--task.name", "turn_off"}));
  CHECK(spiral.values.count("task.hidden") == 1);
  CHECK(spiral.values.count("neuron.C") == 0);
  CHECK(spiral.values.count("network.alpha") == 0);
  CHECK(turn_off.values.count("neuron.C") == 1);
  CHECK(turn_off.values.count("task.hidden") == 0);
  CHECK(turn_off.values.count("ode.rtol") == 1);
  for (const auto* cfg : {&spiral, &turn_off}) {
    CHECK(cfg->values.count("es.sigma") == 1);
    CHECK(cfg->text.find("task.name = ") != std::string::npos);
  }
  // Another task's key is accepted (one INI file may serve several tasks) and left out.
  const auto mixed = to_run_config(
      resolve_settings("[task]\nname = turn_off\nhidden = 7\n", "x.ini", {"--network.alpha", "3"}));
  CHECK(mixed.text == turn_off.text);
  // Per-task defaults: task.hidden is 1000 for the spiral, 5 (the reference) for robertson.
  const auto rober = to_run_config(resolve_settings("", "", {"--task.name", "robertson"}));
  CHECK(spiral.values.at("task.hidden") == "1000");
  CHECK(rober.values.at("task.hidden") == "5");
}

TEST_CASE("--help lists each task's options with that task's defaults") {
  const auto h = train_help();
  const auto section = [&](const std::string& task) {
    const auto from = h.find("task.name = " + task + " (");
    REQUIRE(from != std::string::npos);
    return h.substr(from, h.find("task.name = ", from + 1) - from);
  };
  const auto spiral = section("spiral"), rober = section("robertson"), a = section("turn_off");
  CHECK(rober.find("--task.hidden") != std::string::npos);
  CHECK(rober.find("[5]") != std::string::npos);
  CHECK(spiral.find("[1000]") != std::string::npos);
  CHECK(a.find("--neuron.EL") != std::string::npos);
  CHECK(a.find("--task.hidden") == std::string::npos);
}

TEST_CASE("every settings struct's defaults are what the command line resolves with no options") {
  // The general keys: run_config with its es_config and optimizer_config, default-constructed,
  // its words for a strategy's own default resolved as the command line resolves them.
  const auto cli = to_run_config(resolve_settings("", "", {}));
  train::run_config def;
  def.es = es::resolved(def.es);
  const auto& general = train::run_config_schema();
  CHECK(general.write(def) == general.write(cli));
  // The values that once disagreed, field by field.
  CHECK(cli.es.sigma == def.es.sigma);
  CHECK(cli.es.baseline == def.es.baseline);
  CHECK(cli.es.block_coordinate == def.es.block_coordinate);
  CHECK(cli.generations == def.generations);
  CHECK(cli.optim.lr == def.optim.lr);
  // Every task's configuration with its [ode], [neuron] and [network] sections: the struct's
  // defaults (no key given) against the command line's.
  for (const auto& kind : tasks::task_kinds()) {
    CAPTURE(kind.name);
    const auto from_cli = to_run_config(resolve_settings("", "", {"--task.name", kind.name}));
    const auto defaults = kind.read({});
    REQUIRE(!defaults.empty());
    for (const auto& [key, value] : defaults) {
      CAPTURE(key);
      CHECK(from_cli.values.at(key) == value);
    }
  }
  // The shared sections' structs themselves.
  const auto turn_off = to_run_config(resolve_settings("", "", {"--task.name", "turn_off"}));
  for (const auto& [key, value] : tasks::solver_schema().write(ode::solver_options{}))
    CHECK(cli.values.at(key) == value);
  for (const auto& [key, value] : tasks::neuron_schema().write(tasks::neuron_spec{}))
    CHECK(turn_off.values.at(key) == value);
  CHECK(tasks::spiral_config{}.solver.lmm == ode::method::adams);
  CHECK(tasks::spiral_config{}.solver.nls == ode::nonlinear_solver::fixed_point);
}

TEST_CASE("dist.items_per_member = auto is resolved on the value, its text with it") {
  // The tiny spiral: 4 windows a batch, 7 members (song: S); at 8 ranks K x 7 >= 32 needs K >= 5,
  // so every window is its own item.
  auto cfg = to_run_config(resolve_settings("", "",
                                            {"--dist.items_per_member", "auto", "--task.hidden",
                                             "8", "--task.batch", "4", "--es.population", "7"}));
  REQUIRE(cfg.items_per_member == 0);
  CHECK(cfg.values.at("dist.items_per_member") == "auto");
  resolve_items_per_member(cfg, 8);
  CHECK(cfg.items_per_member == 4);
  CHECK(cfg.values.at("dist.items_per_member") == "4");
  // The text is what a fresh read of it gives: the other ranks build the same run from it.
  CHECK(to_run_config(resolve_settings(cfg.text, "configuration", {})).text == cfg.text);
  // At 1 rank one item a member is enough; a number is left alone.
  auto one = to_run_config(resolve_settings("", "", {"--dist.items_per_member", "auto"}));
  resolve_items_per_member(one, 1);
  CHECK(one.items_per_member == 1);
  resolve_items_per_member(cfg, 1);
  CHECK(cfg.items_per_member == 4);
}
