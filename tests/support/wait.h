#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace herald::testing {

/// Checks `done` every `every` until it holds or `limit` has passed; returns whether it
/// held. The limit is a bound for a broken build, not a timing expectation: tests wait
/// for a state.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit,
                    std::chrono::milliseconds every = std::chrono::milliseconds(100)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

}  // namespace herald::testing
