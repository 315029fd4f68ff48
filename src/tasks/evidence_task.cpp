// Task B's evaluations: its batches as a network's trials, and its traces. The network's
// integration, readout, loss and gradients are network_evaluator's; task B's configuration and
// description are in evidence_config.cpp.
#include "esbio/tasks/evidence_task.hpp"

#include <algorithm>

namespace esbio::tasks {

const std::vector<evidence_trial>& evidence_source::batch(std::uint32_t generation) {
  if (generation != generation_) {
    batch_ = task_.batch(generation);
    generation_ = generation;
  }
  return batch_;
}

void evidence_source::load(std::uint32_t generation, std::size_t first, std::size_t count,
                           trial_batch& out) {
  const auto& all = batch(generation);
  const auto& embeddings = task_.embeddings();
  out.trials = count;
  out.samples = evidence_tokens;
  out.channels = evidence_embedding;
  out.kind = target_kind::labels;
  out.clear_inputs();
  out.labels.resize(count);
  for (std::size_t b = 0; b < count; ++b) {
    const auto& trial = all[first + b];
    out.labels[b] = trial.label;
    for (int tok = 0; tok < evidence_tokens; ++tok)
      out.append_dense(embeddings.data() + trial.tokens[tok] * evidence_embedding);
  }
}

evidence_evaluator::evidence_evaluator(const evidence_task& task)
    : task_(task),
      source_(task),
      net_(*task.network(), task.run(), task.layout(), task.params(), source_) {}

std::vector<named_array> evidence_evaluator::traces(std::span<const double> theta,
                                                    std::uint32_t generation) {
  auto out = net_.traces(theta, generation);
  for (auto& a : out)
    if (a.name == "outputs") a.name = "logits";
  const auto& trials = source_.batch(generation);
  const std::size_t count = trials.size();
  std::vector<double> counts(count * evidence_classes), tokens(count * evidence_tokens);
  for (std::size_t b = 0; b < count; ++b) {
    for (int c = 0; c < evidence_classes; ++c) counts[3 * b + c] = trials[b].counts[c];
    for (int k = 0; k < evidence_tokens; ++k) tokens[b * evidence_tokens + k] = trials[b].tokens[k];
  }
  out.push_back({"counts", {count, 3}, counts});
  out.push_back({"tokens", {count, static_cast<std::size_t>(evidence_tokens)}, tokens});
  out.push_back(
      {"embeddings",
       {static_cast<std::size_t>(vocabulary), static_cast<std::size_t>(evidence_embedding)},
       task_.embeddings()});
  return out;
}

}  // namespace esbio::tasks

namespace esbio::tasks {

data_group evidence_task::trials_as_dataset(std::uint32_t generations) const {
  // Generation g's batch, then g + 1's, ... (split 0), then the validation set (split 1): with
  // task.batches = sequential, task network's generation g takes exactly generation g's trials.
  std::vector<evidence_trial> all;
  for (std::uint32_t g = 0; g < generations; ++g) {
    const auto b = batch(g);
    all.insert(all.end(), b.begin(), b.end());
  }
  const std::size_t train = all.size();
  const auto val = batch(validation_generation);
  all.insert(all.end(), val.begin(), val.end());
  const std::size_t trials = all.size(), e = evidence_embedding, t = evidence_tokens;
  data_array inputs{{trials, t, e}, std::vector<double>(trials * t * e), element_type::float64};
  data_array labels{{trials}, std::vector<double>(trials), element_type::integer};
  data_array split{{trials}, std::vector<double>(trials), element_type::integer};
  for (std::size_t k = 0; k < trials; ++k) {
    for (std::size_t s = 0; s < t; ++s)
      std::copy_n(embeddings_.data() + all[k].tokens[s] * e, e,
                  inputs.values.data() + (k * t + s) * e);
    labels.values[k] = all[k].label;
    split.values[k] = k < train ? 0 : 1;
  }
  data_group root;
  root.attrs["format"] = std::string("esbio-dataset");
  root.attrs["version"] = 1.0;
  root.attrs["dt_ms"] = cfg_.token_ms;
  root.attrs["source"] = std::string("esbio task evidence, seed ") + std::to_string(cfg_.seed) +
                         ", " + std::to_string(generations) + " generations of " +
                         std::to_string(cfg_.trials) + " trials, then " +
                         std::to_string(cfg_.validation_trials) + " validation trials";
  root.arrays["inputs"] = std::move(inputs);
  root.arrays["labels"] = std::move(labels);
  root.arrays["split"] = std::move(split);
  return root;
}

}  // namespace esbio::tasks
