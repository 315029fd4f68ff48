#pragma once
// The stored SciPy references (tests/regression/*_scipy.txt): rows of numbers, '#' comments.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace esbio::testing {

inline std::vector<std::vector<double>> reference_rows(const std::string& name) {
  std::ifstream in(std::string(ESBIO_REGRESSION_DIR) + "/" + name);
  REQUIRE(in);
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::vector<double> v;
    for (double x; ls >> x;) v.push_back(x);
    rows.push_back(v);
  }
  return rows;
}

}  // namespace esbio::testing
