#pragma once
// A dataset file (docs/network-files.md, format "esbio-dataset"): trials of input samples held
// dt_ms each, dense (/inputs: trials x steps x channels) or spike events in the layout of the
// Spiking Heidelberg Digits as Tonic reads it (/spikes/times in seconds and /spikes/units,
// variable-length per trial, binned at dt_ms into channels); their targets (/labels, /targets
// with /mask, or /counts); and their split (/split, or a validation fraction drawn by the seed).
//
// The description (dataset) holds what is small (shapes, labels, counts, the split); the inputs
// and trace targets stay in the file and each evaluator reads the rows of its own trials
// (dataset_source), so no rank ever holds the whole file. check() reads everything once, on the
// rank that decides, to refuse NaN, infinities and out-of-range values before a run begins.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esbio/core/file_access.hpp"
#include "esbio/tasks/task.hpp"
#include "esbio/tasks/trial_batch.hpp"

namespace esbio::tasks {

enum class batch_order { random, sequential };

class dataset {
 public:
  // Reads and checks the file's metadata and small arrays; `outputs` is the network's readout
  // size (labels must be below it; trace and count targets must have it).
  dataset(const std::string& path, std::size_t outputs, std::uint64_t seed,
          double validation_fraction);

  const std::string& path() const { return path_; }
  std::size_t trials() const { return trials_; }
  std::size_t samples() const { return samples_; }
  std::size_t channels() const { return channels_; }
  double dt_ms() const { return dt_ms_; }
  double duration_ms() const { return duration_ms_; }  // spike data: a trial's length
  target_kind kind() const { return kind_; }
  bool spikes() const { return spikes_; }
  const std::vector<std::size_t>& train() const { return train_; }
  const std::vector<std::size_t>& validation() const { return validation_; }
  const std::vector<int>& labels() const { return labels_; }
  const std::vector<double>& counts() const { return counts_; }
  std::size_t outputs() const { return outputs_; }

  // Every input and target row, read once: input_error for NaN, infinities, spike times outside
  // [0, duration) or units outside [0, channels), a mask that is not 0/1.
  void check() const;

  [[noreturn]] void refuse(const std::string& where, const std::string& problem) const;

 private:
  std::string path_;
  std::size_t trials_ = 0, samples_ = 0, channels_ = 0, outputs_ = 0;
  double dt_ms_ = 0, duration_ms_ = 0;
  target_kind kind_ = target_kind::labels;
  bool spikes_ = false;
  std::vector<int> labels_;
  std::vector<double> counts_;
  std::vector<std::size_t> train_, validation_;
};

// The trials of each generation's batch: `size` training trials drawn without replacement by
// the run seed (random) or taken in file order, epoch after epoch (sequential), the same for
// every member; the validation batch is the first `validation_size` validation trials.
struct batching {
  std::uint64_t seed = 0;
  std::size_t size = 32, validation_size = 0;  // 0: the whole validation split
  batch_order order = batch_order::random;
};

// A rank's reader of a dataset: the rows of the trials its items need, cached for the current
// generation (its members share the batch) and for the validation batch.
class dataset_source final : public trial_source {
 public:
  dataset_source(const dataset& d, const batching& b);
  std::size_t batch_size(std::uint32_t generation) const override;
  void load(std::uint32_t generation, std::size_t first, std::size_t count,
            trial_batch& out) override;
  // The dataset's trial indices of a generation's batch.
  std::vector<std::size_t> batch_trials(std::uint32_t generation) const;
  std::uint64_t bytes_read() const;

 private:
  struct row {
    std::vector<std::uint32_t> channel;
    std::vector<double> value;
    std::vector<std::size_t> start;  // per sample, as trial_batch
    std::vector<double> targets, mask;
  };
  const row& fetch(std::size_t trial, bool validation);
  const dataset& data_;
  batching batching_;
  std::unique_ptr<array_file> file_;
  std::optional<std::uint32_t> generation_;
  std::vector<std::size_t> batch_;                   // the current generation's trial indices
  std::map<std::size_t, row> current_, validation_;  // by trial
};

}  // namespace esbio::tasks
