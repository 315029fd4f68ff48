#pragma once
// A batch of trials as a network sees it: each trial a sequence of input samples (a vector of
// channels held for sample_ms, the input changing only at sample boundaries) and its target.
// Task B makes its batches from token sequences (a token is a sample, its embedding the
// channels); task network reads them from a dataset file (docs/network-files.md).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace esbio::tasks {

enum class target_kind { labels, traces, counts };

struct trial_batch {
  std::size_t trials = 0, samples = 0, channels = 0;
  // The inputs, sparse: sample r = trial * samples + s holds the nonzero channels
  // channel[start[r] .. start[r + 1]) (increasing) with their values, so one-hot or sparse inputs
  // (tokens, binned spikes: the Spiking Heidelberg Digits' 700 channels) cost what they hold.
  std::vector<std::size_t> start{0};
  std::vector<std::uint32_t> channel;
  std::vector<double> value;
  target_kind kind = target_kind::labels;
  std::vector<int> labels;      // labels: one class per trial
  std::vector<double> targets;  // traces: trials x samples x outputs
  std::vector<double> mask;     // traces: trials x samples (1: scored, 0: not)
  std::vector<double> counts;   // counts: trials x outputs

  void clear_inputs() {
    start.assign(1, 0);
    channel.clear();
    value.clear();
  }
  // Appends the next sample's inputs from a dense row of `channels` values, zeros left out.
  void append_dense(const double* row) {
    for (std::size_t c = 0; c < channels; ++c)
      if (row[c] != 0.0) {
        channel.push_back(static_cast<std::uint32_t>(c));
        value.push_back(row[c]);
      }
    start.push_back(channel.size());
  }
  // fn(channel, value) for the nonzero inputs of a trial's sample, channels increasing.
  template <class F>
  void for_each_input(std::size_t trial, std::size_t sample, F&& fn) const {
    const std::size_t r = trial * samples + sample;
    for (std::size_t k = start[r]; k < start[r + 1]; ++k) fn(channel[k], value[k]);
  }
};

// Where a network task's batches come from. Members of a generation share its batch; the
// validation generation's is fixed. load() fills `out` with trials [first, first + count) of
// the batch (a work item's part); it may cache, so it is per evaluator.
class trial_source {
 public:
  virtual ~trial_source() = default;
  virtual std::size_t batch_size(std::uint32_t generation) const = 0;
  virtual void load(std::uint32_t generation, std::size_t first, std::size_t count,
                    trial_batch& out) = 0;
};

}  // namespace esbio::tasks
