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
  // trials x samples x channels, row-major. Zeros are skipped when the drive x W_in is formed,
  // so one-hot or sparse inputs (tokens, binned spikes) cost what they hold.
  std::vector<double> x;
  target_kind kind = target_kind::labels;
  std::vector<int> labels;      // labels: one class per trial
  std::vector<double> targets;  // traces: trials x samples x outputs
  std::vector<double> mask;     // traces: trials x samples (1: scored, 0: not)
  std::vector<double> counts;   // counts: trials x outputs
  double mask_total = 0;        // traces: the whole batch's scored entries (a part's normaliser)

  const double* input(std::size_t trial, std::size_t sample) const {
    return x.data() + (trial * samples + sample) * channels;
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
