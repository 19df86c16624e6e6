#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/clock.h"

namespace herald::store {

/// A dead letter put back on its source topic: when, and by whom.
struct DeadLetterReplay {
  std::string dead_letter_id;  // "<dead-letter topic>/<partition>@<offset>"
  core::Time replay_time = {};
  std::string principal;  // as the audit trail names the caller
};

/// Which dead letters were replayed (table `dead_letter_replays`): the dead-letter topic
/// holds the letters, the store what was done with them, for every instance.
class DeadLetterStore {
 public:
  virtual ~DeadLetterStore() = default;

  /// Records replays; a letter replayed again keeps its latest.
  virtual absl::Status RecordReplays(const std::vector<DeadLetterReplay>& replays) = 0;
  /// The latest replay of each of these letters that was replayed, by id.
  virtual absl::StatusOr<std::map<std::string, DeadLetterReplay>> GetReplays(
      const std::vector<std::string>& ids) = 0;
};

}  // namespace herald::store
