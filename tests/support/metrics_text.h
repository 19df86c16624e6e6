#pragma once

#include <cmath>
#include <limits>
#include <map>
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

/// The q-quantile (0..1) of histogram `name` over the series whose labels contain
/// `labels`, interpolated within its bucket as Prometheus' histogram_quantile does; 0
/// when it has no samples.
inline double HistogramQuantile(const std::string& exposition, const std::string& name,
                                std::string_view labels, double q) {
  std::map<double, double> buckets;  // upper bound -> cumulative count, summed over series
  std::istringstream lines(exposition);
  const std::string prefix = name + "_bucket{";
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix) || line.find(labels) == std::string::npos) continue;
    const size_t le = line.find("le=\"");
    if (le == std::string::npos) continue;
    const std::string bound = line.substr(le + 4, line.find('"', le + 4) - le - 4);
    const double upper =
        bound == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(bound);
    buckets[upper] += std::stod(line.substr(line.rfind(' ') + 1));
  }
  if (buckets.empty() || buckets.rbegin()->second <= 0) return 0;
  const double rank = q * buckets.rbegin()->second;
  double lower = 0, below = 0;
  for (const auto& [upper, count] : buckets) {
    if (count >= rank) {
      if (std::isinf(upper)) return lower;
      return lower + (upper - lower) * (count > below ? (rank - below) / (count - below) : 1);
    }
    lower = upper;
    below = count;
  }
  return lower;
}

}  // namespace herald::testing
