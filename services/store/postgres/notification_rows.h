#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/notification.h"
#include "services/store/common/notification_parts.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/postgres/tx.h"
#include "services/store/store.h"

// Notifications (table `notifications`): one row each, numbered in creation order, with
// the history packed in `record`. The state machines that move a row on live in
// decision_rows, dispatch_rows and receipt_rows.
namespace herald::store::postgres {

using common::RecordPart;

/// The SELECT list and FROM clause every read of whole rows uses (`n` and its event
/// `e`); FromRow reads them.
extern const char kNotificationSelect[];

/// Row `row` of a kNotificationSelect result.
absl::StatusOr<core::Notification> FromRow(const Result& r, int row, RecordPart part);

/// A notification made at intake, and the number of its event.
struct NewNotification {
  core::Notification* notification;
  int64_t event_seq;
};
/// Inserts the notifications made at intake for a batch of events, in the order given,
/// PENDING or with their first decisions (which also go to the change log), in one
/// statement; for each, whether it was inserted (false: its id exists already, or came
/// earlier in `ns`). Inserted ones get their number (seq) and their event's.
absl::StatusOr<std::vector<bool>> InsertNotifications(WriteTx& tx,
                                                      const std::vector<NewNotification>& ns);

/// nullopt when there is none. `lock`: FOR UPDATE, for a change in the caller's
/// transaction.
absl::StatusOr<std::optional<core::Notification>> ReadNotification(Conn& conn, std::string_view id,
                                                                   RecordPart part,
                                                                   bool lock = false);
absl::StatusOr<std::optional<core::Notification>> ReadNotificationBySeq(Conn& conn, int64_t seq,
                                                                        RecordPart part,
                                                                        bool lock = false);

/// Newest first, after the page key `after` ("" for the first page), with their latest
/// decisions. The page key of a notification is its number.
absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Conn& conn, const NotificationFilter& filter, std::string_view after, int limit);

/// For each customer, in order: what the contact policy counts (without the profile).
absl::StatusOr<std::vector<CustomerContext>> SelectContactHistory(
    Conn& conn, const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since);

/// DEFERRED (and PENDING) notifications due at `now`, earliest first.
absl::StatusOr<std::vector<core::Notification>> SelectDueDecisions(
    Conn& conn, core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned);
absl::StatusOr<std::optional<core::Time>> SelectNextDeferTime(
    Conn& conn, const std::optional<core::OwnedPartitions>& owned);

absl::StatusOr<int64_t> CountInStates(Conn& conn,
                                      const std::vector<core::NotificationState>& states);
absl::StatusOr<NotificationBacklog> SelectBacklog(Conn& conn);

}  // namespace herald::store::postgres
