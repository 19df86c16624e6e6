#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/notification.h"
#include "services/store/postgres/pg_conn.h"

// Rendered messages (table `messages`): what a notification said on each channel it
// was handed off on, kept with the claim.
namespace herald::store::postgres {

/// Stores the message of a hand-off (`attempt`), replacing the one rendered before for
/// its channel.
absl::Status WriteMessage(Conn& conn, int64_t notification_seq, int attempt,
                          const core::RenderedMessage& message);
/// In the order they were handed off.
absl::StatusOr<std::vector<core::RenderedMessage>> SelectMessages(Conn& conn,
                                                                  int64_t notification_seq);
absl::StatusOr<std::optional<core::RenderedMessage>> SelectMessage(Conn& conn,
                                                                   int64_t notification_seq,
                                                                   core::Channel channel);

}  // namespace herald::store::postgres
