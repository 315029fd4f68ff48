#include "esbio/models/network.hpp"

#include "esbio/models/spike_indicator.hpp"

namespace esbio::models {

network::network(const network_description& d, std::size_t states)
    : desc_(d), n_(d.neurons()), states_(states) {}

double network::output(double v) const {
  return spike_indicator(v, desc_.vt, 1 / desc_.kp);
}

double network::output_slope(double v) const {
  const double s = output(v);
  return s * (1 - s) / desc_.kp;
}

}  // namespace esbio::models
