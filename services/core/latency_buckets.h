#pragma once

#include <vector>

namespace herald::core {

/// Upper bounds, in seconds, of the buckets of the pipeline's latency histograms
/// (append to decision, decision to hand-off): 1 ms to a minute, so that p99 reads the
/// same on each of them.
inline std::vector<double> LatencyBucketsSeconds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace herald::core
