#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/core/notification.h"
#include "services/store/store.h"

// What every store does the same way with a notification's row, whatever the database:
// the packed history decoded into it, when it is due, what its changes say.
namespace herald::store::common {

/// How much of the packed record a read decodes.
enum class RecordPart {
  kNone,    // the columns only
  kLatest,  // and the latest decision
  kAll,     // and every decision, attempt and state change (history, attempts)
};

/// Fills in from the row's packed record (records.proto) what `part` asks for; `n` has
/// its columns already.
absl::Status AddRecord(core::Notification& n, std::string_view record, RecordPart part);

/// When a notification in its state is next looked at: QUEUED its hand-off, DEFERRED
/// (or PENDING) its decision; nullopt for the others, and for a paused one.
std::optional<core::Time> DueOf(const core::Notification& n);

/// Counted by caps and duplicate checks: let through, and not failed or bounced.
bool CountedForPolicy(core::NotificationState state);

/// A customer's notifications are looked up by creation time; one let through longer
/// than this after it was made is also found by its send time (the stores index such
/// rows apart), so that caps still count it.
inline constexpr std::chrono::hours kLateSend{1};
/// The state an operator's action takes a notification in `state` to; nullopt when the
/// action does not apply to it.
std::optional<core::NotificationState> AfterOperatorAction(OperatorChange::Action action,
                                                           core::NotificationState state);

/// The states of notifications still at work (NotificationBacklog), in order.
inline constexpr core::NotificationState kBacklogStates[] = {
    core::NotificationState::kPending, core::NotificationState::kDeferred,
    core::NotificationState::kQueued, core::NotificationState::kSending,
    core::NotificationState::kUnknown};
/// The query counting one of them by channel: channel, count, earliest send time,
/// earliest due time. The
/// state is a literal, beside the condition of the partial index that holds it, so that
/// both databases use that index.
std::string BacklogQuery(core::NotificationState state);

/// kLateSend as the stores' SQL says it, of a notification row `n`.
inline constexpr char kSentLateSql[] = "n.send_time_us > n.create_time_us + 3600000000";

/// What the contact policy asked to be read of a customer (LoadCustomerContexts).
struct ContextQuery {
  core::Time history_since;
  std::string_view event_type;
  core::Time events_since;
};
/// Adds one of a customer's notifications, as read for the contact policy, to their
/// context: its event (once) when of the asked type since `events_since`, and itself
/// when it counts for caps since `history_since`. `occurred`: its event's occur time.
void AddToContext(CustomerContext& context, core::Notification n, core::Time occurred,
                  const ContextQuery& query);

/// ABORTED naming the customers decided meanwhile (by another instance): nothing of a
/// write made on their old history is recorded; decide again.
absl::Status DecidedMeanwhile(const std::vector<std::string>& customer_ids);
/// Whether `ids` holds `id`.
bool Names(const std::vector<std::string>& ids, std::string_view id);

/// Whether a change matches a watcher's filter as far as the change tells (customer,
/// event, template, state, channel); the creation time is the notification's.
bool ChangeMatches(const NotificationFilter& filter, const StatusChange& change);
/// The notification as `change` left it (state, channel, update time).
void AsChanged(core::Notification& n, const StatusChange& change);

/// The change a notification's move from `previous` to its present fields makes, for
/// the change log (`n` as it is after the change).
StatusChange ChangeOf(const core::Notification& n, core::NotificationState previous,
                      core::Time time, std::string reason, std::string detail);
/// A change to a notification the caller named (a claim, a result).
StatusChange ChangeOfNamed(int64_t seq, const std::string& id, const Named& named,
                           core::NotificationState previous, core::NotificationState state,
                           core::Channel channel, int attempt, core::Time time, std::string detail);

/// A claim's history entry, e.g. "attempt 2 on SMS: nl-BE, 1 segment GSM-7".
std::string ClaimDetail(int attempt, const core::RenderedMessage& message);
/// What a claim appends to the record: the attempt begun, and the move to SENDING.
std::string ClaimRecord(const Claim& claim, const std::string& detail);
/// What a result appends to the record: the attempt ended (none for attempt 0), and the
/// state it led to.
std::string ResultRecord(const AttemptUpdate& update);

}  // namespace herald::store::common
