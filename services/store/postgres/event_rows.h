#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/store.h"

// Accepted events (table `events`), numbered in the order they were accepted.
namespace herald::store::postgres {

/// An event to insert; not `complete`: an audience whose notifications follow in parts.
struct NewEvent {
  const EventRecord* record;
  bool complete;
};
/// Inserts the events whose ids are not recorded, numbered in the order given, in one
/// statement; for each its number, or nullopt for a duplicate (recorded already, or
/// earlier in `events`).
absl::StatusOr<std::vector<std::optional<int64_t>>> InsertEvents(
    Conn& conn, const std::vector<NewEvent>& events);
/// Every notification of the event is recorded now.
absl::Status MarkEventComplete(Conn& conn, int64_t event_seq);
/// nullopt when no event has this id.
absl::StatusOr<std::optional<EventRecord>> ReadEvent(Conn& conn, std::string_view event_id);
/// Its number only; nullopt when no event has this id.
absl::StatusOr<std::optional<int64_t>> SelectEventSeq(Conn& conn, std::string_view event_id);
/// In the order asked; nullopt for a number no event has.
absl::StatusOr<std::vector<std::optional<EventRecord>>> ReadEventsBySeq(
    Conn& conn, const std::vector<int64_t>& seqs);
/// For each id, whether it is recorded, and completely.
absl::StatusOr<std::vector<KnownEvent>> SelectKnownEvents(Conn& conn,
                                                          const std::vector<std::string>& ids);

}  // namespace herald::store::postgres
