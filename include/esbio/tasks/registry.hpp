#pragma once
// The tasks esbio knows, each with its option schema. A task is its own files (a configuration
// struct with its options, a description, an evaluator) plus one registration line in
// src/tasks/registry.cpp; the command line, the help text and the run file's configuration
// follow from the schema.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esbio/core/settings.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

struct task_kind {
  std::string name;
  std::string summary;               // one line for --help
  std::vector<option_spec> options;  // every key the task reads, shared sections included
  // Read (and validate) the task's settings from r, recording their canonical text there, and
  // return the task built from them; build = false only checks (the read part).
  std::function<std::unique_ptr<task>(setting_reader& r, std::uint64_t seed, bool build)> make;
};

const std::vector<task_kind>& task_kinds();
// The kind named `name`; input_error naming the known ones otherwise.
const task_kind& find_task(const std::string& name);

// Build the task `name` from settings holding (at least) its options. Throws input_error for an
// unknown name, invalid settings or more than max_parameters parameters.
std::unique_ptr<task> make_task(const std::string& name, const settings& s, std::uint64_t seed);
// The same settings with every option of the task at its default, overridden by `overrides`
// (for tests, benchmarks and library users who build a task in code).
settings task_defaults(const std::string& name, const settings& overrides = {});

// The registration helper: T has a nested config with options() and read(r, seed), and a
// constructor from it.
template <class T>
task_kind registered(std::string name, std::string summary) {
  return {std::move(name), std::move(summary), T::config::options(),
          [](setting_reader& r, std::uint64_t seed, bool build) -> std::unique_ptr<task> {
            auto cfg = T::config::read(r, seed);
            if (!build) return nullptr;
            return std::make_unique<T>(std::move(cfg));
          }};
}

}  // namespace esbio::tasks
