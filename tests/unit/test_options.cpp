#include <doctest/doctest.h>

#include "esbio/core/error.hpp"
#include "options.hpp"

using namespace esbio;
using namespace esbio::cli;

TEST_CASE("defaults, INI values and command-line overrides, in that order of precedence") {
  const std::string ini = "[es]\npopulation = 64\nsigma = 0.05\n[task]\nhidden = 30\n";
  const auto s = resolve_settings(ini, "test.ini", {"--es.sigma", "0.2", "--out", "x.h5"});
  const auto cfg = to_run_config(s);
  CHECK(cfg.es.population == 64);  // from the INI
  CHECK(cfg.es.sigma == 0.2);      // command line wins
  CHECK(cfg.task.hidden == 30);
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
                       "optim.name = 'lbfgs' is not one of: sgd, adam, rmsprop", input_error);
  CHECK_THROWS_WITH_AS(bad({"--es.bogus", "1"}), doctest::Contains("es.bogus"), input_error);
  CHECK_THROWS_AS(resolve_settings("[es]\nfrobnicate = 2\n", "x.ini", {}), input_error);
  CHECK_THROWS_WITH_AS(resolve_settings("this is not ini\n", "x.ini", {}),
                       doctest::Contains("x.ini"), input_error);
}
