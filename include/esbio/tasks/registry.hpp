#pragma once
// The tasks esbio knows, each with its option schema. A task is its own files (a configuration
// struct with its schema (core/schema.hpp), a description, an evaluator) plus one registration
// line in src/tasks/registry.cpp; the command line, the help text and the run file's
// configuration follow from the schema.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

struct task_kind {
  std::string name;
  std::string summary;               // one line for --help
  std::vector<option_spec> options;  // every key the task reads, shared sections included
  // The task's settings read from s (a key s lacks keeps its default) and checked: their
  // canonical text. input_error names a bad setting.
  std::function<settings(const settings& s)> read;
  // The task built from s (as read) and the run seed.
  std::function<std::unique_ptr<task>(const settings& s, std::uint64_t seed)> make;
};

const std::vector<task_kind>& task_kinds();
// The kind named `name`; input_error naming the known ones otherwise.
const task_kind& find_task(const std::string& name);

// Build the task `name` from settings (its keys that they lack at their defaults). Throws
// input_error for an unknown name, invalid settings or more than max_parameters parameters.
std::unique_ptr<task> make_task(const std::string& name, const settings& s, std::uint64_t seed);
// The same settings with every option of the task at its default, overridden by `overrides`
// (for tests, benchmarks and library users who build a task in code).
settings task_defaults(const std::string& name, const settings& overrides = {});

// The registration helper: T has a nested config with a schema(), a validate() and a seed, and
// a constructor from it.
template <class T>
task_kind registered(std::string name, std::string summary) {
  using config = typename T::config;
  const auto read = [](const settings& s) {
    auto c = config::schema().read(s);
    c.validate();
    return c;
  };
  return {std::move(name), std::move(summary), config::schema().options(),
          [read](const settings& s) { return config::schema().write(read(s)); },
          [read](const settings& s, std::uint64_t seed) -> std::unique_ptr<task> {
            auto c = read(s);
            c.seed = seed;
            return std::make_unique<T>(std::move(c));
          }};
}

}  // namespace esbio::tasks
