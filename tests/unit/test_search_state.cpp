// es/search_state.hpp: a strategy's typed state is, to the hash, the replica bytes and the run
// file, the named vectors it always was; a checkpoint written before the state was typed
// resumes bit for bit.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include <string>

#include "esbio/core/error.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/es/search.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/train/trainer.hpp"
#include "options.hpp"

using namespace esbio;
using namespace esbio::es;

namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path;
  temp_dir() : path(fs::temp_directory_path() / ("esbio_state_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

struct toy_state {
  bool short_form = false;
  std::vector<double> path;
  double step = 0;
  std::size_t count = 0, extra = 0;
  static bool long_form(const toy_state& s) { return !s.short_form; }
  static const std::vector<state_field<toy_state>>& fields() {
    static const std::vector<state_field<toy_state>> f{{"step", &toy_state::step},
                                                       {"path", &toy_state::path},
                                                       {"count", &toy_state::count},
                                                       {"extra", &toy_state::extra, long_form}};
    return f;
  }
};

}  // namespace

TEST_CASE("a typed state reads as named vectors in name order, counts as one-element doubles") {
  toy_state t;
  t.path = {1.5, -2};
  t.step = 0.25;
  t.count = 7;
  t.extra = 3;
  const search_state s(t);
  std::vector<std::string> names;
  s.for_each([&](const std::string& name, std::span<const double>) { names.push_back(name); });
  CHECK(names == std::vector<std::string>{"count", "extra", "path", "step"});
  const search_state::record want{
      {"count", {7}}, {"extra", {3}}, {"path", {1.5, -2}}, {"step", {0.25}}};
  CHECK(s.to_record() == want);
  // The record form hashes as the typed form: ranks may compare either.
  const std::vector<double> theta{1, 2};
  const optimizer_state opt;
  CHECK(state_hash(theta, opt, s) == state_hash(theta, opt, search_state::from_record(want)));
  // A field the value lacks is not there at all.
  t.short_form = true;
  CHECK(search_state(t).to_record().count("extra") == 0);
  CHECK(search_state().empty());
  CHECK(!s.empty());
}

TEST_CASE("adopting a record gives the typed state back, and refuses one that does not fit") {
  const search_state::record r{{"count", {7}}, {"extra", {3}}, {"path", {1.5}}, {"step", {0.5}}};
  auto s = search_state::from_record(r);
  CHECK_THROWS_AS(s.get<toy_state>(), std::logic_error);
  s.adopt(toy_state{});
  CHECK(s.get<toy_state>().count == 7);
  CHECK(s.get<toy_state>().path == std::vector<double>{1.5});
  CHECK(s.to_record() == r);
  const auto bad = [](search_state::record fields, bool short_form = false) {
    auto b = search_state::from_record(std::move(fields));
    toy_state prototype;
    prototype.short_form = short_form;
    b.adopt(prototype);
  };
  auto no_step = r;
  no_step.erase("step");
  CHECK_THROWS_WITH_AS(bad(no_step), doctest::Contains("has no 'step'"), consistency_error);
  auto long_step = r;
  long_step["step"] = {1, 2};
  CHECK_THROWS_WITH_AS(bad(long_step), doctest::Contains("'step' has 2 entries"),
                       consistency_error);
  auto half = r;
  half["count"] = {2.5};
  CHECK_THROWS_WITH_AS(bad(half), doctest::Contains("not a whole number"), consistency_error);
  auto stranger = r;
  stranger["other"] = {1};
  CHECK_THROWS_WITH_AS(bad(stranger), doctest::Contains("has 'other'"), consistency_error);
  CHECK_THROWS_AS(bad(r, true), consistency_error);  // 'extra' where the short form has none
}

TEST_CASE("a CMA-ES run file written before the state was typed resumes bit for bit") {
  // tests/regression/run_cmaes_named_vectors.h5: 5 generations of CMA-ES on 3-D Rosenbrock,
  // written by the portable build of esbio at 1fe3f06, whose state was a map of named vectors
  // (B, C, D, age, best, lambda, pc, ps, restarts, sigma, t, x0).
  const std::string path = std::string(ESBIO_REGRESSION_DIR) + "/run_cmaes_named_vectors.h5";
  const auto old = io::read_run_file(path);
  REQUIRE(old.state.generation == 5);
  const auto cfg =
      cli::to_run_config(cli::resolve_settings(old.meta.config, path, {"--es.generations", "9"}));
  const auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  const auto search = es::make_search(cfg.es, task->layout());

  // Today's CMA-ES takes the file's state as its own and gives back the same named vectors.
  auto adopted = old.state.search;
  search->adopt(adopted);
  CHECK(adopted == old.state.search);
  CHECK(adopted.to_record().size() == 12);

  // Resumed from the file, and from today's checkpoint of the same state: the same bits.
  temp_dir dir;
  const auto again_path = (dir.path / "again.h5").string();
  auto typed = old.state;
  typed.search = adopted;
  io::write_run_file(again_path, old.meta, task->layout(), typed);
  auto from_old = old.state, from_today = io::read_run_file(again_path).state;
  REQUIRE(tr.run(from_old, nullptr, {}, nullptr) == train::outcome::finished);
  REQUIRE(tr.run(from_today, nullptr, {}, nullptr) == train::outcome::finished);
  CHECK(from_old.theta == from_today.theta);
  CHECK(from_old.search == from_today.search);

  // In the build whose bits the file holds (portable Release), today's first five generations
  // are the file's, and the resumed run is the uninterrupted one.
  if (ESBIO_GOLDEN_BITS) {
    auto cfg5 = cfg;
    cfg5.generations = 5;
    train::trainer tr5(cfg5, *task, *ctx);
    auto five = tr5.initial_state();
    REQUIRE(tr5.run(five, nullptr, {}, nullptr) == train::outcome::finished);
    CHECK(five.theta == old.state.theta);
    CHECK(five.search == old.state.search);
    auto fresh = tr.initial_state();
    REQUIRE(tr.run(fresh, nullptr, {}, nullptr) == train::outcome::finished);
    CHECK(from_old.theta == fresh.theta);
    CHECK(from_old.search == fresh.search);
  }
}
