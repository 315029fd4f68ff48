// theta's blocks for a network's trainable arrays (network_evaluator.hpp).
#include <algorithm>

#include "esbio/core/error.hpp"
#include "esbio/tasks/network_evaluator.hpp"
#include "network_transform.hpp"

namespace esbio::tasks {

network_params add_network_blocks(const models::network_description& d,
                                  const std::vector<std::string>& trainable,
                                  const std::array<std::string, 4>& names, param_layout& layout) {
  network_params p;
  const std::size_t n = d.neurons();
  for (std::size_t a = 0; a < 4; ++a) {
    const auto* name = network_array_names[a];
    if (!trainable.empty() &&
        std::find(trainable.begin(), trainable.end(), name) == trainable.end())
      continue;
    p.block[a] = layout.blocks().size();
    switch (static_cast<network_array>(a)) {
      case input_w:
        layout.add(names[a], d.channels, n);
        break;
      case recurrent_w:
        if (d.mask.empty())
          layout.add(names[a], n, n);
        else  // only the connections the mask keeps, in row-major order
          layout.add(names[a], recurrent_entries(d), 1);
        break;
      case readout_w:
        layout.add(names[a], d.outputs, n);
        break;
      case readout_b:
        layout.add(names[a], d.outputs, 1);
        break;
    }
  }
  return p;
}

void network_initial_params(const models::network_description& d, const network_params& p,
                            const param_layout& layout, std::span<double> theta) {
  const std::size_t n = d.neurons();
  for (std::size_t a = 0; a < 4; ++a) {
    if (!p.block[a]) continue;
    const auto& b = layout.blocks()[*p.block[a]];
    const auto it = d.bounds.find(network_array_names[a]);
    const auto put = [&](std::size_t k, double w) {
      theta[b.offset + k] = it == d.bounds.end() ? w : unbounded(w, it->second);
    };
    switch (static_cast<network_array>(a)) {
      case input_w:
        for (std::size_t k = 0; k < d.w_in.size(); ++k) put(k, d.w_in[k]);
        break;
      case recurrent_w: {
        std::size_t k = 0;
        for (std::size_t e = 0; e < n * n; ++e)
          if (d.mask.empty() || d.mask[e] != 0) put(k++, d.w_rec[e]);
        break;
      }
      case readout_w:
        for (std::size_t k = 0; k < d.w_out.size(); ++k) put(k, d.w_out[k]);
        break;
      case readout_b:
        for (std::size_t k = 0; k < d.b_out.size(); ++k) put(k, d.b_out[k]);
        break;
    }
  }
}

}  // namespace esbio::tasks

namespace esbio::tasks {

models::network_description network_with(const models::network_description& d,
                                         const network_params& p, const param_layout& layout,
                                         std::span<const double> theta) {
  auto out = d;
  const std::size_t n = d.neurons();
  for (std::size_t a = 0; a < 4; ++a) {
    if (!p.block[a]) continue;
    const auto& b = layout.blocks()[*p.block[a]];
    const auto it = d.bounds.find(network_array_names[a]);
    const auto value = [&](std::size_t k) {
      const double u = theta[b.offset + k];
      return it == d.bounds.end() ? u : bounded(u, it->second);
    };
    switch (static_cast<network_array>(a)) {
      case input_w:
        for (std::size_t k = 0; k < out.w_in.size(); ++k) out.w_in[k] = value(k);
        break;
      case recurrent_w: {
        // The file keeps W before the signs (the effective weight is sign_j |W|).
        std::size_t k = 0;
        for (std::size_t e = 0; e < n * n; ++e)
          if (d.mask.empty() || d.mask[e] != 0) out.w_rec[e] = value(k++);
        break;
      }
      case readout_w:
        for (std::size_t k = 0; k < out.w_out.size(); ++k) out.w_out[k] = value(k);
        break;
      case readout_b:
        for (std::size_t k = 0; k < out.b_out.size(); ++k) out.b_out[k] = value(k);
        break;
    }
  }
  return out;
}

}  // namespace esbio::tasks
