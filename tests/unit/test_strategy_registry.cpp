// es/registry.hpp: the strategies' traits drive the shared checks, their own options read
// through their schemas, and a key several strategies declare means one thing to all of them.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "esbio/core/error.hpp"
#include "esbio/es/registry.hpp"
#include "esbio/es/search.hpp"
#include "options.hpp"

using namespace esbio;
using namespace esbio::es;

namespace {

param_layout two_blocks() {
  param_layout l;
  l.add("A", 2, 3).add("B", 4, 1);
  return l;
}

es_config config_for(const strategy_info& k, std::size_t population) {
  es_config c;
  c.strategy = k.name;
  c.population = population;
  c.block_coordinate = k.traits.rotates_blocks;
  return c;
}

}  // namespace

TEST_CASE("the registry lists every strategy once, in the order of the help text") {
  std::string names;
  for (const auto& k : strategies()) names += k.name + " ";
  CHECK(names == "song openai snes pgpe sep_cmaes cmaes guided ");
  CHECK(find_strategy("cmaes").name == "cmaes");
  CHECK_THROWS_WITH_AS(find_strategy("xnes"), doctest::Contains("known: song, openai"),
                       input_error);
  CHECK(log_population(10) == 10);  // 4 + floor(3 ln 10) = 4 + 6
}

TEST_CASE("a key several strategies declare has one default and one canonical spelling") {
  std::map<std::string, std::pair<std::string, std::string>> first;  // key -> (default, owner)
  for (const auto& k : strategies())
    for (const auto& o : k.options) {
      CAPTURE(k.name + " " + o.key);
      const auto [it, fresh] = first.try_emplace(o.key, o.default_value, k.name);
      if (fresh) continue;
      CHECK(o.default_value == it->second.first);
      const auto& owner = find_strategy(it->second.second);
      for (const char* text : {"0.25", "2", "1e-1", "default"}) {
        std::string mine, theirs;
        try {
          mine = k.canonical(o.key, text);
        } catch (const input_error& e) {
          mine = e.what();
        }
        try {
          theirs = owner.canonical(o.key, text);
        } catch (const input_error& e) {
          theirs = e.what();
        }
        CHECK(mine == theirs);
      }
    }
  CHECK(first.count("es.sigma_lr") == 1);  // snes and pgpe share it
  CHECK(first.count("es.mean_lr") == 1);   // snes, sep_cmaes and cmaes
}

TEST_CASE("the shared checks follow each strategy's traits") {
  for (const auto& k : strategies()) {
    CAPTURE(k.name);
    const auto layout = two_blocks();
    auto c = config_for(k, 6);
    CHECK(make_search(c, layout)->traits().mirrored == k.traits.mirrored);
    c.population = 7;
    if (k.traits.mirrored)
      CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("must be even"), input_error);
    else
      CHECK_NOTHROW(validate(c));
    c.population = 0;
    if (k.traits.default_population) {
      CHECK_NOTHROW(validate(c));
      CHECK(make_search(c, layout)->evaluations(make_search(c, layout)->initial(std::vector<double>(
                layout.size(), 0.0))) == k.traits.default_population(layout.size()) + 1);
    } else {
      CHECK_THROWS_WITH_AS(validate(c), "es.population must be at least 2", input_error);
    }
    c = config_for(k, 6);
    c.block_coordinate.reset();  // auto: the strategy's default
    CHECK(*resolved(c).block_coordinate == k.traits.rotates_blocks);
    c.block_coordinate = true;
    if (k.traits.rotates_blocks)
      CHECK_NOTHROW(validate(c));
    else
      CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("es.block_coordinate must be false"),
                           input_error);
    c = config_for(k, 6);
    c.noise.kind = noise_kind::lowrank;
    if (k.traits.refuses_lowrank.empty())
      CHECK_NOTHROW(validate(c));
    else
      CHECK_THROWS_WITH_AS(validate(c), doctest::Contains(k.traits.refuses_lowrank.c_str()),
                           input_error);
  }
}

TEST_CASE("a strategy's own options are read and checked through its schema") {
  es_config c;
  c.options.emplace("es.restarts", "25");
  CHECK_THROWS_WITH_AS(validate(c), "es.restarts = '25' must be at most 20", input_error);
  c.options.clear();
  c.options.emplace("es.guided_alpha", "1.5");
  CHECK_THROWS_WITH_AS(validate(c), "es.guided_alpha must be between 0 and 1", input_error);
  // From the command line: canonical text in es_config::options and the run file's text.
  const auto cfg = cli::to_run_config(cli::resolve_settings(
      "", "", {"--es.strategy", "cmaes", "--es.restarts", "03", "--task.name", "sphere"}));
  CHECK(cfg.es.options.at("es.restarts") == "3");
  CHECK(cfg.text.find("es.restarts = 3\n") != std::string::npos);
  CHECK(cfg.text.find("es.guided_k = 1\n") != std::string::npos);  // every strategy's keys
}

TEST_CASE("--help has a section per strategy with its own options") {
  const auto h = cli::train_help();
  const auto section = [&](const std::string& name) {
    const auto from = h.find("es.strategy = " + name + " (");
    REQUIRE(from != std::string::npos);
    return h.substr(from, h.find("\n\n", from) - from);
  };
  CHECK(section("cmaes").find("--es.restarts") != std::string::npos);
  CHECK(section("guided").find("--es.guided_alpha") != std::string::npos);
  CHECK(section("pgpe").find("--es.sigma_lr") != std::string::npos);
  CHECK(section("song").find("--es.") == std::string::npos);
  // The general section lists the shared keys only.
  const auto general = h.substr(0, h.find("es.strategy = song ("));
  CHECK(general.find("--es.sigma ") != std::string::npos);
  CHECK(general.find("--es.restarts") == std::string::npos);
}
