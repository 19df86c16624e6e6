#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/profile.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/store.h"

// Customer profiles (table `customers`: one packed row each, with a version).
namespace herald::store::postgres {

struct VersionedProfile {
  core::Profile profile;
  int64_t version = 0;
};

/// `lock`: FOR UPDATE, for a read-change-write in the caller's transaction.
absl::StatusOr<std::optional<VersionedProfile>> ReadProfile(Conn& conn,
                                                            std::string_view customer_id,
                                                            bool lock);
/// For each id, in order, its profile or nullopt: one statement for all of them.
absl::StatusOr<std::vector<std::optional<core::Profile>>> ReadProfiles(
    Conn& conn, const std::vector<std::string>& customer_ids);
/// Writes the profile as the version after `read_version` (0: there was none). ABORTED
/// when someone else created it meanwhile (the transaction runs again and sees theirs).
absl::Status WriteProfile(Conn& conn, const core::Profile& profile, int64_t read_version);
/// The last change applied for the customer from the profiles topic (nullopt: none),
/// locked for the caller's transaction (a change of one customer at a time).
absl::StatusOr<std::optional<TopicPosition>> LockTopicPosition(Conn& conn,
                                                               std::string_view customer_id);
/// ABORTED (run again) when another transaction recorded the customer's first position
/// meanwhile.
absl::Status WriteTopicPosition(Conn& conn, std::string_view customer_id, const TopicPosition& at,
                                bool first);
/// Adds a hard-bounce suppression of `channel` to the customer's profile (none yet);
/// a customer without a profile has nothing to suppress.
absl::Status SuppressBouncedChannel(Conn& conn, std::string_view customer_id, core::Channel channel,
                                    std::string_view detail, core::Time at);

}  // namespace herald::store::postgres
