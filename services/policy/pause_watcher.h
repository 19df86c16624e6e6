#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "services/core/clock.h"
#include "services/core/pause.h"
#include "services/core/worker.h"
#include "services/store/pause_store.h"

namespace herald::policy {

/// Keeps this instance's PauseBoard as the store has it: reads the pauses every
/// `poll` (an operator's pause or resume on any instance is honoured here within it),
/// logs each one that starts or ends, and sets herald_pauses{scope}.
///
/// Decisions made on the board before it changed may still be recorded after: when it
/// changes (and once more `settle` later) the watcher sweeps the store, holding what
/// a pause covers and is still QUEUED, and releasing what is paused and no pause covers
/// any more. It sweeps once at start too.
class PauseWatcher {
 public:
  struct Options {
    std::chrono::milliseconds poll{250};
    std::chrono::milliseconds settle{3000};
  };

  PauseWatcher(store::PauseStore& store, core::PauseBoard& board, const core::Clock& clock,
               prometheus::Registry& registry, Options options);
  PauseWatcher(const PauseWatcher&) = delete;
  PauseWatcher& operator=(const PauseWatcher&) = delete;
  ~PauseWatcher() { Stop(); }

  /// Reads the pauses into the board, and sweeps when they changed or a sweep is due.
  absl::Status RunOnce();

  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  /// Reads at once (this instance paused or resumed something).
  void Wake() { worker_.Wake(); }
  /// Called after a sweep released notifications (to wake the releaser). Set before
  /// Start.
  void SetOnReleased(std::function<void()> on_released) { on_released_ = std::move(on_released); }

 private:
  std::chrono::milliseconds Pass();
  absl::Status Sweep();

  store::PauseStore& store_;
  core::PauseBoard& board_;
  const core::Clock& clock_;
  const Options options_;
  prometheus::Family<prometheus::Gauge>& gauge_;
  bool read_once_ = false;
  /// Sweeps still to do since the last change (one at once, one `settle` later), and
  /// when the next is due.
  int sweeps_left_ = 0;
  std::chrono::steady_clock::time_point next_sweep_;
  std::function<void()> on_released_;
  core::Worker worker_;
};

}  // namespace herald::policy
