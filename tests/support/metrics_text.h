#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace herald::testing {

/// The sum of every sample of metric `name` whose labels contain `labels`, read from
/// Prometheus' text format (what heraldd's /metrics answers). Header-only, so that
/// herald-bench can use it too.
inline double SumMetric(const std::string& exposition, const std::string& name,
                        std::string_view labels = "") {
  double sum = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if ((line.starts_with(name + "{") || line.starts_with(name + " ")) &&
        line.find(labels) != std::string::npos) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

}  // namespace herald::testing
