#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/profile.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/store.h"

// Customer profiles (tables `customers`, `consents`, `suppressions`).
namespace herald::store::sqlite {

absl::StatusOr<std::optional<core::Profile>> ReadProfile(Db& db, std::string_view customer_id);
/// For each id, in order, its profile or nullopt: three statements for all of them.
absl::StatusOr<std::vector<std::optional<core::Profile>>> ReadProfiles(
    Db& db, const std::vector<std::string>& customer_ids);
/// Inserts or replaces the profile with its consents and suppressions.
absl::Status WriteProfile(Db& db, const core::Profile& profile);
/// The last change applied for the customer from the profiles topic (nullopt: none).
absl::StatusOr<std::optional<TopicPosition>> ReadTopicPosition(Db& db,
                                                               std::string_view customer_id);
absl::Status WriteTopicPosition(Db& db, std::string_view customer_id, const TopicPosition& at);
/// Adds a hard-bounce suppression of `channel` to the customer's profile (none yet);
/// a customer without a profile has nothing to suppress.
absl::Status SuppressBouncedChannel(Db& db, std::string_view customer_id, core::Channel channel,
                                    std::string_view detail, core::Time at);

}  // namespace herald::store::sqlite
