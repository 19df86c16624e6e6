#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/notification.h"
#include "services/store/common/notification_parts.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/write_tx.h"
#include "services/store/store.h"

// Notifications (table `notifications`): one row each, numbered in creation order, with
// the history packed in `record`. The state machines that move a row on live in
// decision_rows, dispatch_rows and receipt_rows.
namespace herald::store::sqlite {

/// The SELECT list and FROM clause every read of whole rows uses (`n` and its event
/// `e`); FromRow reads them.
extern const char kNotificationSelect[];

using common::RecordPart;

/// A row of kNotificationSelect.
absl::StatusOr<core::Notification> FromRow(const Statement& r, RecordPart part);

/// Inserts a notification made at intake, PENDING or with its first decision (which
/// also goes to the change log); false when its id exists already. Once inserted, `n`
/// has its number (seq) and its event's (`event_seq`).
absl::StatusOr<bool> InsertNotification(WriteTx& tx, core::Notification& n, int64_t event_seq);

/// nullopt when there is none.
absl::StatusOr<std::optional<core::Notification>> ReadNotification(Db& db, std::string_view id,
                                                                   RecordPart part);
absl::StatusOr<std::optional<core::Notification>> ReadNotificationBySeq(Db& db, int64_t seq,
                                                                        RecordPart part);

/// Newest first, after the page key `after` ("" for the first page), with their latest
/// decisions. The page key of a notification is its number.
absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Db& db, const NotificationFilter& filter, std::string_view after, int limit);

/// For each customer, in order: what the contact policy counts (without the profile).
absl::StatusOr<std::vector<CustomerContext>> SelectContactHistory(
    Db& db, const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since);

/// DEFERRED (and PENDING) notifications due at `now`, earliest first.
absl::StatusOr<std::vector<core::Notification>> SelectDueDecisions(
    Db& db, core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned);
absl::StatusOr<std::optional<core::Time>> SelectNextDeferTime(
    Db& db, const std::optional<core::OwnedPartitions>& owned);

absl::StatusOr<int64_t> CountInStates(Db& db, const std::vector<core::NotificationState>& states);
absl::StatusOr<NotificationBacklog> SelectBacklog(Db& db);
using common::ChangeOf;

}  // namespace herald::store::sqlite
