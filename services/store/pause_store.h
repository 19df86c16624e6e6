#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/pause.h"

namespace herald::store {

/// What holding or releasing paused notifications did (PauseStore).
struct PauseChange {
  /// QUEUED notifications a pause covers, now DEFERRED with reason PAUSED.
  int64_t held = 0;
  /// Paused notifications no pause covers any more, due again at their creation time
  /// (so the releaser decides them again, oldest first).
  int64_t released = 0;
};

/// Operators' pauses of sending (kill switches), shared by every instance on the store.
/// A paused notification is DEFERRED with reason PAUSED and no due time: nothing
/// decides it again until no pause covers it.
class PauseStore {
 public:
  virtual ~PauseStore() = default;

  /// Records the pause and, in the same transaction, holds the QUEUED notifications it
  /// covers (each with core::PausedDecision). ALREADY_EXISTS, naming who paused it,
  /// when that scope is paused already.
  virtual absl::StatusOr<PauseChange> AddPause(const core::Pause& pause) = 0;

  /// Ends the pause of scope and value and, in the same transaction, releases the
  /// paused notifications no other pause covers. Returns the pause that ended;
  /// NOT_FOUND when that scope is not paused.
  virtual absl::StatusOr<std::pair<core::Pause, PauseChange>> RemovePause(
      core::PauseScope scope, std::string_view value) = 0;

  /// The pauses in force, oldest first.
  virtual absl::StatusOr<std::vector<core::Pause>> ListPauses() = 0;

  /// Holds what a pause covers and is still QUEUED, and releases what is paused and no
  /// pause covers: what decisions made on an instance's older view of the pauses left.
  virtual absl::StatusOr<PauseChange> SweepPauses(core::Time now) = 0;
};

}  // namespace herald::store
