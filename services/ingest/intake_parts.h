#pragma once
// Intake's own records of a batch on its way (intake.cc, intake_fanout.cc): each event
// accepted, and the parts it is decided and recorded in.

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "services/ingest/intake.h"

namespace herald::ingest {

struct Intake::Accepted {
  size_t index = 0;  // in the batch
  core::Time append_time;
  store::EventRecord record;
  std::shared_ptr<v1::Event> message;
  std::vector<std::shared_ptr<const core::Template>> templates;
  /// Recorded already, by an earlier part or (a partial audience) before: its parts go
  /// on with it, leaving out what is recorded.
  bool continued = false;
  std::unordered_set<std::string> recorded;
  bool announced = false;  // handed to the later stages
  /// One customer of an audience another instance split (SubmitFanout): its event is
  /// recorded, and complete once split; this adds its notifications only.
  bool fanned = false;
  int64_t event_seq = 0;  // when known (a partial event, fan-out work)
};

struct Intake::Part {
  struct Slice {
    Accepted* event;
    size_t begin;  // customers [begin, end)
    size_t end;
    bool continued = false;  // the event is recorded by an earlier item
    bool refused = false;    // one customer without a profile: nothing recorded
    size_t result = 0;       // its item's index among those handed to the store
    /// The state and channel of each notification decided, in order.
    std::vector<std::pair<core::NotificationState, std::optional<core::Channel>>> decided;
  };
  std::vector<Slice> slices;
  size_t notifications = 0;
  std::optional<policy::Decider::Batch> batch;
  std::future<absl::StatusOr<std::vector<store::IntakeResult>>> written;
  bool done = false;
};

}  // namespace herald::ingest
