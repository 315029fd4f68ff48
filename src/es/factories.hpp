#pragma once
// Private to the es layer: one factory per strategy file, called by make_search (search.cpp).

#include <memory>

#include "esbio/es/search.hpp"

namespace esbio::es::detail {

std::unique_ptr<search> make_estimator_search(const es_config& cfg, const param_layout& layout);
std::unique_ptr<search> make_snes(const es_config& cfg, const param_layout& layout);
std::unique_ptr<search> make_pgpe(const es_config& cfg, const param_layout& layout);
std::unique_ptr<search> make_cmaes(const es_config& cfg, const param_layout& layout,
                                   bool separable);
std::unique_ptr<search> make_guided(const es_config& cfg, const param_layout& layout);

}  // namespace esbio::es::detail
