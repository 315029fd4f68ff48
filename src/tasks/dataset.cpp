#include "esbio/tasks/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/core/values.hpp"

namespace esbio::tasks {

namespace {

constexpr const char* dataset_format = "esbio-dataset";
constexpr int dataset_version = 1;

std::string shape(const std::vector<std::size_t>& dims) {
  std::string s = "(";
  for (std::size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + std::to_string(dims[k]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

const char* kind_name(element_type t) {
  return t == element_type::integer ? "integers" : "floating-point numbers";
}

}  // namespace

void dataset::refuse(const std::string& where, const std::string& problem) const {
  throw input_error("dataset file '" + path_ + "': " + where + " " + problem);
}

dataset::dataset(const std::string& path, std::size_t outputs, std::uint64_t seed,
                 double validation_fraction)
    : path_(path), outputs_(outputs) {
  auto file = files().open_arrays(path, "dataset file");
  const auto& root = file->attributes("/");
  const auto attr = [&](const std::string& name) -> const data_attribute* {
    const auto it = root.find(name);
    return it == root.end() ? nullptr : &it->second;
  };
  const auto number = [&](const std::map<std::string, data_attribute>& attrs,
                          const std::string& where, const std::string& name) {
    const auto it = attrs.find(name);
    if (it == attrs.end()) refuse(where + " attribute " + name, "is missing");
    const auto* d = std::get_if<double>(&it->second);
    if (!d || !std::isfinite(*d)) refuse(where + " attribute " + name, "is not a finite number");
    return *d;
  };
  {
    const auto* f = attr("format");
    const auto* fs = f ? std::get_if<std::string>(f) : nullptr;
    if (!fs)
      refuse("/ attribute format",
             "is missing: not an esbio dataset file (format = 'esbio-dataset')");
    if (*fs != dataset_format)
      refuse("/ attribute format", "is '" + printable(*fs) + "', not '" + dataset_format + "'");
    const double v = number(root, "/", "version");
    if (v > dataset_version)
      refuse("/ attribute version", "is " + format_real(v) + ", newer than this esbio reads (" +
                                        std::to_string(dataset_version) + "): upgrade esbio");
    if (v != dataset_version)
      refuse("/ attribute version",
             "is " + format_real(v) + ", not " + std::to_string(dataset_version));
  }
  dt_ms_ = number(root, "/", "dt_ms");
  if (!(dt_ms_ > 0)) refuse("/ attribute dt_ms", "must be positive (ms per sample)");

  // Inputs: dense, or spike events.
  const auto* inputs = file->find("inputs");
  const auto* times = file->find("spikes/times");
  if (inputs && times) refuse("/", "holds both /inputs and /spikes: give one");
  if (inputs) {
    if (inputs->ragged || inputs->dims.size() != 3)
      refuse("/inputs",
             "has shape " + shape(inputs->dims) + " where (trials, steps, channels) is needed");
    trials_ = inputs->dims[0];
    samples_ = inputs->dims[1];
    channels_ = inputs->dims[2];
  } else if (times) {
    spikes_ = true;
    const auto* units = file->find("spikes/units");
    if (!units) refuse("/spikes/units", "is missing (the channel of each spike)");
    if (!times->ragged || !units->ragged)
      refuse("/spikes",
             "times and units must be variable-length rows, one per trial (h5py's vlen)");
    if (times->dims != units->dims)
      refuse("/spikes/units",
             "has " + shape(units->dims) + " rows where /spikes/times has " + shape(times->dims));
    if (units->type != element_type::integer)
      refuse("/spikes/units",
             std::string("holds ") + kind_name(units->type) + " where channel integers belong");
    trials_ = times->dims[0];
    const auto& sp = file->attributes("spikes");
    const double ch = number(sp, "/spikes", "channels");
    if (!(ch >= 1) || ch != std::floor(ch))
      refuse("/spikes attribute channels", "must be a whole number >= 1");
    channels_ = static_cast<std::size_t>(ch);
    duration_ms_ = number(sp, "/spikes", "duration_ms");
    if (!(duration_ms_ > 0)) refuse("/spikes attribute duration_ms", "must be positive");
    samples_ = static_cast<std::size_t>(std::ceil(duration_ms_ / dt_ms_ - 1e-9));
  } else {
    refuse("/inputs", "is missing (or give spike events as /spikes/times and /spikes/units)");
  }
  if (trials_ == 0) refuse(spikes_ ? "/spikes/times" : "/inputs", "holds no trials");
  if (samples_ == 0 || channels_ == 0) refuse("/inputs", "has no steps or no channels");
  const double memory = 8.0 * static_cast<double>(samples_) * static_cast<double>(channels_);
  if (memory > 4e9)
    refuse(spikes_ ? "/spikes" : "/inputs",
           "has trials of " + std::to_string(samples_) + " steps x " + std::to_string(channels_) +
               " channels, more than esbio holds per trial (4 GB as float64)");

  // Targets: exactly one kind.
  const auto* labels = file->find("labels");
  const auto* targets = file->find("targets");
  const auto* counts = file->find("counts");
  if ((labels != nullptr) + (targets != nullptr) + (counts != nullptr) != 1)
    refuse("/", "must hold exactly one of /labels, /targets (with /mask) and /counts");
  const auto whole = [&](const std::string& name, std::size_t n) {
    std::vector<double> v(n);
    file->read_rows(name, 0, file->find(name)->dims[0], v);
    return v;
  };
  if (labels) {
    kind_ = target_kind::labels;
    if (labels->dims != std::vector<std::size_t>{trials_})
      refuse("/labels", "has shape " + shape(labels->dims) + " where (" + std::to_string(trials_) +
                            ",) is needed");
    if (labels->type != element_type::integer)
      refuse("/labels", std::string("holds ") + kind_name(labels->type) +
                            " where class integers belong (store them as integers: np.int64)");
    const auto v = whole("labels", trials_);
    labels_.resize(trials_);
    for (std::size_t k = 0; k < trials_; ++k) {
      if (v[k] < 0 || v[k] >= static_cast<double>(outputs_))
        refuse("/labels", "holds " + format_real(v[k]) + " at [" + std::to_string(k) +
                              "], outside the network's " + std::to_string(outputs_) +
                              " outputs (classes 0.." + std::to_string(outputs_ - 1) + ")");
      labels_[k] = static_cast<int>(v[k]);
    }
  } else if (targets) {
    kind_ = target_kind::traces;
    const std::vector<std::size_t> want{trials_, samples_, outputs_};
    if (targets->dims != want || targets->ragged)
      refuse("/targets", "has shape " + shape(targets->dims) + " where " + shape(want) +
                             " (trials, steps, outputs) is needed");
    const auto* mask = file->find("mask");
    if (!mask) refuse("/mask", "is missing (trials x steps of 0 and 1: which steps are scored)");
    if (mask->dims != std::vector<std::size_t>{trials_, samples_} || mask->ragged)
      refuse("/mask", "has shape " + shape(mask->dims) + " where " + shape({trials_, samples_}) +
                          " is needed");
  } else {
    kind_ = target_kind::counts;
    const std::vector<std::size_t> want{trials_, outputs_};
    if (counts->dims != want || counts->ragged)
      refuse("/counts", "has shape " + shape(counts->dims) + " where " + shape(want) +
                            " (trials, outputs) is needed");
    counts_ = whole("counts", trials_ * outputs_);
    for (std::size_t k = 0; k < counts_.size(); ++k)
      if (!std::isfinite(counts_[k]) || counts_[k] < 0)
        refuse("/counts", "holds " + format_real(counts_[k]) + " at index " + std::to_string(k) +
                              ": counts are finite and not negative");
  }

  // The split: the file's, or a validation fraction drawn by the seed.
  if (const auto* split = file->find("split")) {
    if (split->dims != std::vector<std::size_t>{trials_} || split->type != element_type::integer)
      refuse("/split", "must be (" + std::to_string(trials_) +
                           ",) integers: 0 training, 1 validation, 2 test");
    const auto v = whole("split", trials_);
    for (std::size_t k = 0; k < trials_; ++k) {
      if (v[k] == 0)
        train_.push_back(k);
      else if (v[k] == 1)
        validation_.push_back(k);
      else if (v[k] != 2)
        refuse("/split", "holds " + format_real(v[k]) + " at [" + std::to_string(k) +
                             "]: 0 training, 1 validation, 2 test");
    }
  } else {
    const random_stream rs(seed, stream::data, 7, 0);
    for (std::size_t k = 0; k < trials_; ++k)
      (rs.uniform(k) < validation_fraction ? validation_ : train_).push_back(k);
  }
  if (train_.empty()) refuse("/split", "leaves no training trials");
  if (validation_.empty())
    refuse("/split",
           "leaves no validation trials (mark some with 1, or raise task.validation_fraction)");
}

void dataset::check() const {
  auto file = files().open_arrays(path_, "dataset file");
  std::vector<double> row;
  for (std::size_t k = 0; k < trials_; ++k) {
    if (!spikes_) {
      row.resize(samples_ * channels_);
      file->read_rows("inputs", k, 1, row);
      for (std::size_t i = 0; i < row.size(); ++i)
        if (!std::isfinite(row[i]))
          refuse("/inputs", "holds " + std::string(std::isnan(row[i]) ? "NaN" : "an infinity") +
                                " at [" + std::to_string(k) + ", " + std::to_string(i / channels_) +
                                ", " + std::to_string(i % channels_) + "]");
    } else {
      const auto t = file->read_ragged("spikes/times", k), u = file->read_ragged("spikes/units", k);
      if (t.size() != u.size())
        refuse("/spikes", "trial " + std::to_string(k) + " has " + std::to_string(t.size()) +
                              " times and " + std::to_string(u.size()) + " units");
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (!std::isfinite(t[i]) || t[i] < 0)
          refuse("/spikes/times", "trial " + std::to_string(k) + " holds the time " +
                                      format_real(t[i]) + " s (times are seconds from 0)");
        if (u[i] < 0 || u[i] >= static_cast<double>(channels_))
          refuse("/spikes/units", "trial " + std::to_string(k) + " holds the unit " +
                                      format_real(u[i]) + ", outside the " +
                                      std::to_string(channels_) + " channels");
      }
    }
    if (kind_ == target_kind::traces) {
      row.resize(samples_ * outputs_);
      file->read_rows("targets", k, 1, row);
      for (double x : row)
        if (!std::isfinite(x))
          refuse("/targets", "holds NaN or an infinity in trial " + std::to_string(k));
      row.resize(samples_);
      file->read_rows("mask", k, 1, row);
      for (double x : row)
        if (x != 0 && x != 1)
          refuse("/mask", "holds " + format_real(x) + " in trial " + std::to_string(k) +
                              ": a mask is 0 or 1");
    }
  }
}

dataset_source::dataset_source(const dataset& d, const batching& b) : data_(d), batching_(b) {}

std::size_t dataset_source::batch_size(std::uint32_t generation) const {
  if (generation == validation_generation) {
    const auto n = data_.validation().size();
    return batching_.validation_size == 0 ? n : std::min(n, batching_.validation_size);
  }
  return batching_.size;
}

std::vector<std::size_t> dataset_source::batch_trials(std::uint32_t generation) const {
  const auto& pool = generation == validation_generation ? data_.validation() : data_.train();
  const std::size_t b = batch_size(generation), n = pool.size();
  std::vector<std::size_t> out(b);
  if (generation == validation_generation) {
    std::copy_n(pool.begin(), b, out.begin());
  } else if (batching_.order == batch_order::sequential) {
    for (std::size_t k = 0; k < b; ++k)
      out[k] = pool[(static_cast<std::uint64_t>(generation) * b + k) % n];
  } else {
    // b draws without replacement (a partial Fisher-Yates shuffle of the training split); a
    // batch larger than the split repeats it.
    std::vector<std::size_t> idx(pool.begin(), pool.end());
    const random_stream rs(batching_.seed, stream::batch, generation, 0);
    for (std::size_t k = 0; k < b; ++k) {
      const std::size_t at = k % n;
      if (at == 0 && k > 0) idx.assign(pool.begin(), pool.end());
      const std::size_t j = at + rs.below(k, n - at);
      std::swap(idx[at], idx[j]);
      out[k] = idx[at];
    }
  }
  return out;
}

const dataset_source::row& dataset_source::fetch(std::size_t trial, bool validation) {
  auto& cache = validation ? validation_ : current_;
  if (const auto it = cache.find(trial); it != cache.end()) return it->second;
  if (!file_) file_ = files().open_arrays(data_.path(), "dataset file");
  const std::size_t samples = data_.samples(), channels = data_.channels();
  row r;
  r.start.assign(1, 0);
  if (!data_.spikes()) {
    std::vector<double> dense(samples * channels);
    file_->read_rows("inputs", trial, 1, dense);
    for (std::size_t s = 0; s < samples; ++s) {
      for (std::size_t c = 0; c < channels; ++c)
        if (const double x = dense[s * channels + c]; x != 0.0) {
          r.channel.push_back(static_cast<std::uint32_t>(c));
          r.value.push_back(x);
        }
      r.start.push_back(r.channel.size());
    }
  } else {
    // Spike counts per (bin, unit): a spike at t seconds falls in bin floor(1000 t / dt_ms);
    // spikes at or beyond the trial's duration are left out.
    const auto t = file_->read_ragged("spikes/times", trial),
               u = file_->read_ragged("spikes/units", trial);
    std::vector<std::pair<std::size_t, std::uint32_t>> events;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (1000.0 * t[i] >= data_.duration_ms()) continue;
      const auto bin = static_cast<std::size_t>(std::floor(1000.0 * t[i] / data_.dt_ms()));
      if (bin < samples) events.emplace_back(bin, static_cast<std::uint32_t>(u[i]));
    }
    std::sort(events.begin(), events.end());
    std::size_t e = 0;
    for (std::size_t s = 0; s < samples; ++s) {
      while (e < events.size() && events[e].first == s) {
        const auto c = events[e].second;
        if (!r.channel.empty() && r.start.back() < r.channel.size() && r.channel.back() == c)
          r.value.back() += 1;
        else {
          r.channel.push_back(c);
          r.value.push_back(1);
        }
        ++e;
      }
      r.start.push_back(r.channel.size());
    }
  }
  if (data_.kind() == target_kind::traces) {
    r.targets.resize(samples * data_.outputs());
    file_->read_rows("targets", trial, 1, r.targets);
    r.mask.resize(samples);
    file_->read_rows("mask", trial, 1, r.mask);
  }
  return cache.emplace(trial, std::move(r)).first->second;
}

void dataset_source::load(std::uint32_t generation, std::size_t first, std::size_t count,
                          trial_batch& out) {
  const bool validation = generation == validation_generation;
  if (!validation && generation != generation_) {
    batch_ = batch_trials(generation);
    generation_ = generation;
    current_.clear();
  }
  const auto trials = validation ? batch_trials(generation) : batch_;
  out.trials = count;
  out.samples = data_.samples();
  out.channels = data_.channels();
  out.kind = data_.kind();
  out.clear_inputs();
  out.labels.clear();
  out.targets.clear();
  out.mask.clear();
  out.counts.clear();
  const std::size_t o = data_.outputs();
  for (std::size_t b = first; b < first + count; ++b) {
    const std::size_t trial = trials[b];
    const auto& r = fetch(trial, validation);
    const std::size_t base = out.channel.size();
    out.channel.insert(out.channel.end(), r.channel.begin(), r.channel.end());
    out.value.insert(out.value.end(), r.value.begin(), r.value.end());
    for (std::size_t s = 1; s < r.start.size(); ++s) out.start.push_back(base + r.start[s]);
    switch (out.kind) {
      case target_kind::labels:
        out.labels.push_back(data_.labels()[trial]);
        break;
      case target_kind::traces:
        out.targets.insert(out.targets.end(), r.targets.begin(), r.targets.end());
        out.mask.insert(out.mask.end(), r.mask.begin(), r.mask.end());
        break;
      case target_kind::counts:
        out.counts.insert(out.counts.end(),
                          data_.counts().begin() + static_cast<std::ptrdiff_t>(trial * o),
                          data_.counts().begin() + static_cast<std::ptrdiff_t>((trial + 1) * o));
        break;
    }
  }
}

std::uint64_t dataset_source::bytes_read() const {
  return file_ ? file_->bytes_read() : 0;
}

}  // namespace esbio::tasks
