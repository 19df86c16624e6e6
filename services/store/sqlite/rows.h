#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/profile.h"
#include "services/core/template.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/store.h"

// Mapping between domain records and rows; every function runs on a connection the
// caller holds inside a transaction.
namespace herald::store::sqlite {

inline int64_t ToMicros(core::Time t) { return t.time_since_epoch().count(); }
inline core::Time FromMicros(int64_t us) { return core::Time(std::chrono::microseconds(us)); }

absl::StatusOr<std::optional<core::Profile>> ReadProfile(Db& db, std::string_view customer_id);
/// Inserts or replaces the profile with its consents and suppressions.
absl::Status WriteProfile(Db& db, const core::Profile& profile);
/// Adds a hard-bounce suppression of `channel` to the customer's profile (none yet);
/// a customer without a profile has nothing to suppress.
absl::Status SuppressBouncedChannel(Db& db, std::string_view customer_id, core::Channel channel,
                                    std::string_view detail, core::Time at);

/// Version 0 means the latest, TemplateStore::kActiveVersion the active one.
absl::StatusOr<std::optional<core::Template>> ReadTemplate(Db& db, std::string_view name,
                                                           int64_t version);
/// Makes an existing version the active one; false when there is no such version.
absl::StatusOr<bool> SetActiveVersion(Db& db, std::string_view name, int64_t version);
/// Inserts a new version and makes it the latest and the active one.
absl::Status InsertTemplateVersion(Db& db, const core::Template& tmpl);

/// Inserts the event unless its id is recorded; false for a duplicate.
absl::StatusOr<bool> InsertEvent(Db& db, const EventRecord& record);
/// nullopt when no event has this id.
absl::StatusOr<std::optional<EventRecord>> ReadEvent(Db& db, std::string_view event_id);
/// Inserts the notification unless its id exists; false when it did.
absl::StatusOr<bool> InsertNotification(Db& db, const core::Notification& n);
absl::StatusOr<std::optional<core::Notification>> ReadNotification(Db& db, std::string_view id);
/// Newest first, after the page key `after` ("" for the first page).
/// With change_order: oldest change first, after the change key `after`.
absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Db& db, const NotificationFilter& filter, std::string_view after, int limit,
    bool change_order = false);
/// The page key of a notification: continue after it.
std::string NotificationPageKey(const core::Notification& n);
/// The change key of a notification: changes after it come later.
std::string NotificationChangeKey(const core::Notification& n);
/// PENDING, then DEFERRED due at `now`, merged oldest first, at most `limit`.
absl::StatusOr<std::vector<core::Notification>> SelectDecisionWork(Db& db, core::Time now,
                                                                   int limit);
absl::StatusOr<std::optional<core::Time>> SelectNextDeferTime(Db& db);
/// The customer's notifications let through or deferred, changed since `since`.
absl::StatusOr<std::vector<core::Notification>> SelectContactHistory(Db& db,
                                                                     std::string_view customer_id,
                                                                     core::Time since);
/// (event id, occur time) of the customer's events of a type that occurred since `since`.
absl::StatusOr<std::vector<std::pair<std::string, core::Time>>> SelectCustomerEvents(
    Db& db, std::string_view customer_id, std::string_view event_type, core::Time since);
/// Applies one decision if the notification is still in its expected state; false if not.
/// `outbox`: the state change also goes to the status outbox (so with the functions
/// below that change a notification's state).
absl::StatusOr<bool> ApplyDecision(Db& db, const DecisionUpdate& update, core::Time update_time,
                                   bool outbox);
/// Every decision of a notification, oldest first, with the state each led to.
absl::StatusOr<std::vector<std::pair<core::Decision, core::NotificationState>>> SelectDecisions(
    Db& db, std::string_view notification_id);
/// Latest template versions whose event types include `event_type`, in name order.
absl::StatusOr<std::vector<core::Template>> SelectTemplatesForEventType(
    Db& db, std::string_view event_type);

/// Stores the rendered messages of a notification (replacing one of the same channel).
absl::Status WriteMessages(Db& db, std::string_view notification_id,
                           const std::vector<core::RenderedMessage>& messages);
/// In channel order: the chosen one, then the fallbacks.
absl::StatusOr<std::vector<core::RenderedMessage>> SelectMessages(Db& db,
                                                                  std::string_view notification_id);

/// Dispatch: claim due QUEUED notifications (SENDING, a new attempt), the SENDING ones,
/// a hand-off's result, the next due time, and a notification's attempts and later
/// state changes.
absl::StatusOr<std::vector<DispatchItem>> ClaimDispatch(Db& db, core::Time now,
                                                        const std::vector<core::Channel>& channels,
                                                        int limit, bool outbox);
absl::StatusOr<std::vector<DispatchItem>> SelectInFlight(Db& db);
absl::StatusOr<bool> ApplyAttempt(Db& db, const AttemptUpdate& update, bool outbox);
absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Db& db, const std::vector<core::Channel>& channels);
absl::StatusOr<std::vector<core::DeliveryAttempt>> SelectAttempts(Db& db,
                                                                  std::string_view notification_id);
absl::StatusOr<std::vector<core::StateChange>> SelectStateChanges(Db& db,
                                                                  std::string_view notification_id);
absl::StatusOr<ReceiptResult> ApplyReceiptRow(Db& db, const Receipt& receipt, bool outbox);

/// The status outbox: oldest first, and forgetting what the topic has.
absl::StatusOr<std::vector<StatusChange>> SelectStatusOutbox(Db& db, int limit);
absl::Status DeleteStatusOutbox(Db& db, int64_t through_sequence);

absl::StatusOr<std::optional<core::Snippet>> ReadSnippet(Db& db, std::string_view name);
absl::StatusOr<std::vector<core::Snippet>> SelectSnippets(Db& db);
absl::Status WriteSnippet(Db& db, const core::Snippet& snippet);

}  // namespace herald::store::sqlite
