#pragma once

#include <string>

#include "esbio/train/trainer.hpp"

namespace esbio::cli {

std::string format_duration(double seconds);
std::string progress_line(const train::history_row& row, const train::progress& p);

}  // namespace esbio::cli
