#include "progress.hpp"

#include <cmath>
#include <cstdio>

namespace esbio::cli {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<long>(std::lround(s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

std::string progress_line(const train::history_row& row, const train::progress& p) {
  char acc[32] = "";
  if (std::isfinite(row.accuracy))
    std::snprintf(acc, sizeof acc, "  acc %5.1f%%", 100 * row.accuracy);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "gen %*u/%u  loss %.4e%s  |g| %.2e  fail %lld  %.0f evals/s  %.2f s/gen  ETA %s",
                static_cast<int>(std::to_string(p.total).size()), p.generation, p.total, row.loss,
                acc, row.grad_norm, static_cast<long long>(row.failures), p.evals_per_s, row.wall_s,
                format_duration(p.eta_s).c_str());
  return buf;
}

}  // namespace esbio::cli
