#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/decision.h"
#include "services/core/event.h"
#include "services/core/notification.h"
#include "services/core/ownership.h"
#include "services/core/profile.h"
#include "services/core/template.h"
#include "services/store/api_key_store.h"
#include "services/store/audit_store.h"
#include "services/store/dead_letter_store.h"
#include "services/store/page.h"
#include "services/store/pause_store.h"
#include "services/store/privacy_store.h"

namespace herald::store {

/// Where a profile change came from on the profiles topic. A customer's changes are
/// keyed by their id, so they are on one partition, in offset order.
struct TopicPosition {
  int32_t partition = 0;
  int64_t offset = 0;
};

/// Persistent customer profiles.
class ProfileStore {
 public:
  /// Gets the current profile (nullptr when there is none) and returns the profile to
  /// store, or an error to store nothing.
  using ProfileMutation =
      std::function<absl::StatusOr<core::Profile>(const core::Profile* current)>;

  virtual ~ProfileStore() = default;

  /// NOT_FOUND when the customer has no profile.
  virtual absl::StatusOr<core::Profile> GetProfile(std::string_view customer_id) = 0;

  /// Up to `limit` profiles with customer id greater than `after`, in id order.
  virtual absl::StatusOr<Page<core::Profile>> ListProfiles(std::string_view after, int limit) = 0;

  /// For each id, whether it has a profile (one consistent snapshot).
  virtual absl::StatusOr<std::vector<bool>> HasProfiles(
      const std::vector<std::string>& customer_ids) = 0;

  /// For each id, its profile or nullopt (one consistent snapshot).
  virtual absl::StatusOr<std::vector<std::optional<core::Profile>>> GetProfiles(
      const std::vector<std::string>& customer_ids) = 0;

  /// Reads, changes and writes one profile atomically; returns what was stored.
  virtual absl::StatusOr<core::Profile> MutateProfile(std::string_view customer_id,
                                                      ProfileMutation mutate) = 0;

  /// Deletes a profile with its consents and suppressions; NOT_FOUND when absent.
  virtual absl::Status DeleteProfile(std::string_view customer_id) = 0;

  /// MutateProfile for a change read from the profiles topic at `at`, applied once: one
  /// at or before the last change applied for the customer from that partition (read
  /// again after a rebalance or a restart, by this instance or another) changes
  /// nothing, so it never overwrites what came after it, from the topic or the API.
  /// Whether it was applied.
  virtual absl::StatusOr<bool> MutateProfileFromTopic(std::string_view customer_id,
                                                      const TopicPosition& at,
                                                      ProfileMutation mutate) = 0;
  /// DeleteProfile for a tombstone at `at`, once (absent already is no error). The
  /// customer's position stays, so a change from before it read again does not bring
  /// the profile back. Whether it was applied.
  virtual absl::StatusOr<bool> DeleteProfileFromTopic(std::string_view customer_id,
                                                      const TopicPosition& at) = 0;
};

/// Persistent, versioned message templates.
class TemplateStore {
 public:
  /// Gets the latest version (nullptr for a new template) and returns the content of
  /// the next version, nullopt to keep the latest as it is, or an error to store
  /// nothing. The store assigns the version number and keeps the template's
  /// create_time.
  using TemplateMutation =
      std::function<absl::StatusOr<std::optional<core::Template>>(const core::Template* latest)>;

  virtual ~TemplateStore() = default;

  /// With GetTemplate: the version events use.
  static constexpr int64_t kActiveVersion = -1;

  /// The given version, the latest when version is 0, or the active one for
  /// kActiveVersion; NOT_FOUND when absent.
  virtual absl::StatusOr<core::Template> GetTemplate(std::string_view name, int64_t version) = 0;

  /// Latest versions of up to `limit` templates named after `after`, in name order.
  virtual absl::StatusOr<Page<core::Template>> ListTemplates(std::string_view after, int limit) = 0;

  /// Stores a new version computed from the latest one, atomically, and makes it
  /// active; returns the new version, or the latest when the mutation kept it.
  virtual absl::StatusOr<core::Template> AddTemplateVersion(std::string_view name,
                                                            TemplateMutation mutate) = 0;

  /// Deletes a template and all its versions; NOT_FOUND when absent.
  virtual absl::Status DeleteTemplate(std::string_view name) = 0;

  /// Makes `version` the one events use (a new version becomes active when it is
  /// added); returns it. NOT_FOUND when the template or version does not exist.
  virtual absl::StatusOr<core::Template> ActivateTemplateVersion(std::string_view name,
                                                                 int64_t version) = 0;

  /// Active versions of the templates triggered by `event_type`, in name order.
  virtual absl::StatusOr<std::vector<core::Template>> ListTemplatesForEventType(
      std::string_view event_type) = 0;

  /// NOT_FOUND when there is no snippet of that name.
  virtual absl::StatusOr<core::Snippet> GetSnippet(std::string_view name) = 0;
  /// Every snippet, in name order.
  virtual absl::StatusOr<std::vector<core::Snippet>> ListSnippets() = 0;
  /// Stores a new snippet (ALREADY_EXISTS when the name is taken) or replaces an
  /// existing one (`must_exist`: NOT_FOUND when absent); sets its times and returns it.
  virtual absl::StatusOr<core::Snippet> PutSnippet(const core::Snippet& snippet,
                                                   bool must_exist) = 0;
  /// NOT_FOUND when absent.
  virtual absl::Status DeleteSnippet(std::string_view name) = 0;

  /// Changes whenever a template, a version's activation or a snippet changes: what
  /// was read of them is current while it stays the same.
  virtual absl::StatusOr<int64_t> CatalogVersion() = 0;
};

/// An accepted event as it is kept: its fields for queries, and its body exactly as
/// received (protobuf or JSON), so that nothing of it is lost.
struct EventRecord {
  core::Event event;
  std::string content_type;
  std::string body;
  std::string origin;  // e.g. "kafka herald.orders/2@1234" or "grpc"
  core::Time receive_time;
  /// The store's number for it, in the order events were accepted; 0 until recorded.
  int64_t seq = 0;
  /// Its trace (W3C trace id): from the traceparent it came with, else a new one; none
  /// for events recorded before traces were kept.
  core::TraceId trace_id = {};
};

/// One event with the notifications derived from it, each with its first decision
/// (state, decision, channels), or PENDING for the contact policy to decide later. An
/// audience's notifications may take several items, in this transaction or later
/// ones: the first records the event, the others go on with it, the last says
/// `complete`.
struct IntakeItem {
  EventRecord record;
  std::vector<core::Notification> notifications;
  /// The event (record.event.event_id) is recorded by an earlier item: only the
  /// notifications are added, those not recorded yet.
  bool continued = false;
  /// The event's last part: with it, every notification of the event is recorded.
  bool complete = true;
};

/// What recording one item did.
struct IntakeResult {
  /// The event id was recorded before (the item does not go on with it): nothing was
  /// written.
  bool duplicate = false;
  int notifications_created = 0;
  /// For each notification of the item, whether it was recorded now.
  std::vector<bool> created;
  /// The notifications recorded now as QUEUED, in order, handed back with their
  /// numbers (`seq`, `event_seq`) and without their decisions: the caller hands them
  /// to the dispatcher without reading them back.
  std::vector<core::Notification> queued;
  /// The event's number.
  int64_t event_seq = 0;
};

/// Whether an event id is recorded, and with all of its notifications.
struct KnownEvent {
  enum class State {
    kUnknown,
    kComplete,
    kPartial,  // an audience cut short (by a crash) while its parts were recorded
  };
  State state = State::kUnknown;
  int64_t event_seq = 0;
};

/// Which notifications to list; empty fields match everything.
struct NotificationFilter {
  std::string customer_id;
  std::string event_id;
  std::vector<core::NotificationState> states;
  std::string template_name;
  std::optional<core::Channel> channel;
  std::optional<core::Time> start_time;  // created at or after
  std::optional<core::Time> end_time;    // created before
};

/// How many decisions of a customer were recorded: the contact policy reads it with the
/// customer's history, and a write of decisions made with that history names it. The
/// write applies only while the customer is still at that version (no other decision
/// for them was recorded meanwhile: by another instance, or by this one before a
/// rebalance took the customer away) and moves it on by one. So no cap is exceeded
/// because two deciders read the same history.
struct CustomerVersion {
  std::string customer_id;
  int64_t version = 0;

  bool operator==(const CustomerVersion&) const = default;
};

/// What the contact policy reads about one customer, in one snapshot.
struct CustomerContext {
  /// The customer's decision version (CustomerVersion) this history is at.
  int64_t version = 0;
  std::optional<core::Profile> profile;
  /// Notifications let through (QUEUED and later, but not FAILED or BOUNCED) at or
  /// after the `history_since` asked for, without their decisions.
  std::vector<core::Notification> history;
  /// (event id, occur time) of the customer's events of the asked type since then.
  std::vector<std::pair<std::string, core::Time>> events;
};

/// One decision to record for a notification decided before (a deferral that is due);
/// it applies only while the notification is still as it was read (`expected_state`
/// and `expected_update_time`: nobody changed it meanwhile).
struct DecisionUpdate {
  int64_t notification_seq = 0;
  std::string notification_id;
  /// Whose it is: the update applies only while they are at their version (decided_on).
  std::string customer_id;
  core::NotificationState expected_state = core::NotificationState::kDeferred;
  core::Time expected_update_time;
  core::NotificationState state = core::NotificationState::kSuppressed;
  core::Decision decision;
  int64_t template_version = 0;
  std::optional<core::Category> category;
  std::optional<core::Channel> channel;
  std::vector<core::Channel> fallback_channels;
  std::optional<core::Time> send_time;
};

/// A notification taken for a hand-off: SENDING, attempt_count the number of the
/// attempt, with the message stored for it.
struct DispatchItem {
  core::Notification notification;
  core::RenderedMessage message;
  /// ListInFlight: the instance whose lease on the send ran out (empty on SQLite, where a
  /// crash of the one process left it).
  std::string lost_lease_owner = {};
};

/// What the change log names a notification by besides its numbers and state, as the
/// one who listed it has it (none of it changes once the notification is QUEUED):
/// claims and results carry it, so that the store writes them without reading the row.
struct Named {
  std::string customer_id;
  std::string event_id;
  std::string event_type;
  std::string template_name;
  int64_t template_version = 0;
  std::optional<core::Category> category;
  core::TraceId trace_id = {};

  static Named Of(const core::Notification& n) {
    return {n.customer_id,      n.event_id, n.event_type, n.template_name,
            n.template_version, n.category, n.trace_id};
  }
};

/// A QUEUED notification about to be handed off on its channel: marked SENDING with a
/// new attempt, and its message kept, only while it is still QUEUED at
/// `expected_attempt_count` on the message's channel (as listed).
struct Claim {
  int64_t notification_seq = 0;
  std::string notification_id;
  int expected_attempt_count = 0;
  core::Time start_time;
  core::RenderedMessage message;
  Named named;
};

/// What a hand-off led to, or (for a QUEUED one whose message could not be rendered,
/// `attempt` 0) what not handing it off leads to. It applies only while the
/// notification is SENDING in that attempt (QUEUED at that count for attempt 0).
struct AttemptUpdate {
  int64_t notification_seq = 0;
  std::string notification_id;
  Named named;
  /// The channel it was handed off on (for attempt 0: listed for).
  core::Channel attempt_channel = core::Channel::kEmail;
  int attempt = 1;
  /// For attempt 0: the attempt count the QUEUED notification was listed with.
  int listed_attempt_count = 0;
  core::Time end_time;
  core::AttemptResult result = core::AttemptResult::kRetryableFailure;
  std::string detail;
  std::string provider_message_id;
  /// QUEUED (a retry, or the next channel), SENT, FAILED, BOUNCED or UNKNOWN.
  core::NotificationState state = core::NotificationState::kQueued;
  /// For QUEUED: the channel to use and those left after it.
  std::optional<core::Channel> channel;
  std::vector<core::Channel> fallback_channels;
  std::optional<core::Time> next_attempt_time;
  /// For the history, e.g. "retry 2 at T: 451 4.3.0 ...".
  std::string state_detail;
  /// A hard bounce: the attempt's channel is suppressed in the customer's profile, in
  /// the same transaction (nothing later goes to an address that does not exist).
  bool address_rejected = false;
};

/// A provider's word on a message it accepted: delivered, or not after all.
struct Receipt {
  core::Channel channel = core::Channel::kSms;
  /// Which message: the provider's id for it, or (when set) the notification's id,
  /// meaning its latest attempt on `channel` (an email bounce names the Message-ID).
  std::string provider_message_id;
  std::string notification_id = {};
  /// SENT, DELIVERED, FAILED or BOUNCED.
  core::NotificationState state = core::NotificationState::kDelivered;
  core::Time time;
  std::string detail;  // e.g. "twilio: undelivered (30003)"
};

/// What a receipt did.
struct ReceiptResult {
  enum class Outcome {
    kApplied,         // the notification moved on
    kIgnored,         // already as far or further (a repeat, or late)
    kHeld,            // no attempt has that provider id yet: applied when one does
    kInFlight,        // by notification id: its attempt is still in hand; try later
    kUnknownMessage,  // by notification id: no attempt on that channel
  };
  Outcome outcome = Outcome::kHeld;
  std::string notification_id;
  std::string customer_id;
  core::NotificationState state = core::NotificationState::kSent;
  /// When the attempt the receipt is about was handed off (set when applied).
  std::optional<core::Time> hand_off_time = {};
};

/// A state change, as the status topic and watchers see it: what the notification
/// became, from what, and why.
struct StatusChange {
  /// Increases with every change stored, in commit order; never repeats.
  int64_t sequence = 0;
  int64_t notification_seq = 0;
  std::string notification_id = {};
  std::string customer_id = {};
  std::string event_id = {};
  std::string event_type = {};
  std::string template_name = {};
  int64_t template_version = 0;
  std::optional<core::Category> category = {};
  core::NotificationState previous_state = core::NotificationState::kPending;
  core::NotificationState state = core::NotificationState::kPending;
  /// The channel after the change (the one a hand-off or receipt is about).
  std::optional<core::Channel> channel = {};
  core::Time change_time = {};
  /// For a decision: its reason (e.g. NO_CONSENT); empty for later changes.
  std::string reason = {};
  std::string detail = {};
  /// The hand-off the change is about; 0 before the first.
  int attempt = 0;
  std::string provider_message_id = {};
  /// The event's trace (W3C trace id); none when none was kept.
  core::TraceId trace_id = {};

  bool operator==(const StatusChange&) const = default;
};

/// Where intake records accepted events with the notifications decided from them.
class IntakeStore {
 public:
  virtual ~IntakeStore() = default;

  /// For each id, whether an event with it is recorded (one snapshot).
  virtual absl::StatusOr<std::vector<KnownEvent>> KnownEvents(
      const std::vector<std::string>& event_ids) = 0;

  /// The notification ids recorded so far for an event (to go on with a partial one).
  virtual absl::StatusOr<std::vector<std::string>> RecordedNotificationIds(int64_t event_seq) = 0;

  /// Records every item in one durable transaction: each event with its notifications
  /// and a state change per decision, or, when its id is already recorded, nothing (a
  /// duplicate). Results are in item order. `decided_on`: the customers the decisions
  /// were made for, at the versions read (each moves on by one); ABORTED, and nothing
  /// recorded, when one is no longer there (decide again). An error means nothing was
  /// recorded. The future is ready once the transaction is durable (or failed), and
  /// `on_done` (when set) is called then, on the store's thread: a caller may prepare
  /// the next batch meanwhile.
  virtual std::future<absl::StatusOr<std::vector<IntakeResult>>> RecordIntakeAsync(
      std::vector<IntakeItem> items, std::vector<CustomerVersion> decided_on,
      std::function<void()> on_done) = 0;

  /// RecordIntakeAsync, waiting for it.
  absl::StatusOr<std::vector<IntakeResult>> RecordIntake(
      std::vector<IntakeItem> items, std::vector<CustomerVersion> decided_on = {}) {
    return RecordIntakeAsync(std::move(items), std::move(decided_on), nullptr).get();
  }
};

/// What the contact policy reads of customers.
class ContactHistoryStore {
 public:
  virtual ~ContactHistoryStore() = default;

  /// For each customer: profile, notifications let through since `history_since`, and
  /// events of `event_type` that occurred since `events_since`; one snapshot.
  virtual absl::StatusOr<std::vector<CustomerContext>> LoadCustomerContexts(
      const std::vector<std::string>& customer_ids, core::Time history_since,
      std::string_view event_type, core::Time events_since) = 0;
};

/// Accepted events, by id or by number.
class EventStore {
 public:
  virtual ~EventStore() = default;

  /// NOT_FOUND when no event has this id.
  virtual absl::StatusOr<EventRecord> GetEvent(std::string_view event_id) = 0;

  /// For each number, its event (nullopt when there is none), in one snapshot.
  virtual absl::StatusOr<std::vector<std::optional<EventRecord>>> GetEventsBySeq(
      const std::vector<int64_t>& event_seqs) = 0;
};

/// Notifications waiting for the contact policy: deferred ones, decided again when due.
class DeferralStore {
 public:
  virtual ~DeferralStore() = default;

  /// DEFERRED notifications due at `now` (and PENDING ones an earlier version left),
  /// earliest due first, up to `limit`; of the customers `owned` names (nullopt: of
  /// every customer). PostgreSQL: notifications an earlier version stored count as
  /// every instance's (their decisions are guarded by the customer's version).
  virtual absl::StatusOr<std::vector<core::Notification>> ListDueDecisions(
      core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned) = 0;

  /// When the earliest DEFERRED notification of the customers `owned` names is due;
  /// nullopt when none is deferred.
  virtual absl::StatusOr<std::optional<core::Time>> NextDeferTime(
      const std::optional<core::OwnedPartitions>& owned) = 0;

  /// How many notifications are DEFERRED.
  virtual absl::StatusOr<int64_t> CountDeferred() = 0;

  /// Records decisions in one durable transaction; for each, whether it applied: not
  /// when the notification changed meanwhile, nor when its customer is named in
  /// `decided_on` and is no longer at that version (each that is moves on by one).
  virtual absl::StatusOr<std::vector<bool>> RecordDecisions(
      const std::vector<DecisionUpdate>& updates,
      const std::vector<CustomerVersion>& decided_on) = 0;
};

/// The dispatcher's view: queued notifications, claims, hand-off results.
class DispatchStore {
 public:
  virtual ~DispatchStore() = default;

  /// Up to `limit` QUEUED notifications on `channel` due at `now`, earliest due first
  /// (a read: Claim takes them).
  virtual absl::StatusOr<std::vector<core::Notification>> ListDue(core::Time now,
                                                                  core::Channel channel,
                                                                  int limit) = 0;

  /// Marks each SENDING with a new attempt and keeps its message, in one durable
  /// transaction, so that what a crash leaves behind is SENDING, never lost; for each,
  /// whether it was still QUEUED as listed (false: leave it).
  virtual absl::StatusOr<std::vector<bool>> Claim(const std::vector<Claim>& claims) = 0;

  /// SENDING notifications whose hand-off nobody holds any more, with their messages,
  /// now this instance's to resolve. A claim holds its hand-off for a lease: on
  /// PostgreSQL the ones whose lease ran out (the instance died, or lost them), each
  /// taken over by this instance for a lease of its own, so that no two resolve one;
  /// on SQLite, whose file one process holds at a time, every one (a crash left them).
  virtual absl::StatusOr<std::vector<DispatchItem>> ListInFlight() = 0;

  /// Records hand-off results in one durable transaction; for each, whether it applied.
  virtual absl::StatusOr<std::vector<bool>> RecordAttempts(
      const std::vector<AttemptUpdate>& updates) = 0;

  /// What Settle did: for each result whether it applied, for each claim whether it
  /// was taken.
  struct Settled {
    std::vector<bool> recorded;
    std::vector<bool> claimed;
  };
  /// RecordAttempts and Claim in one durable transaction (a dispatcher's round: what
  /// ended, and what goes next).
  virtual absl::StatusOr<Settled> Settle(const std::vector<AttemptUpdate>& results,
                                         const std::vector<store::Claim>& claims) = 0;
  /// Settle without waiting: `done` is called once the transaction is committed (or
  /// failed), on a thread of the store's, which it must neither block nor write from.
  using SettleDone = std::function<void(absl::StatusOr<Settled>)>;
  virtual void SettleAsync(std::vector<AttemptUpdate> results, std::vector<store::Claim> claims,
                           SettleDone done) = 0;

  /// When the earliest QUEUED notification on `channels` is due; nullopt when none.
  virtual absl::StatusOr<std::optional<core::Time>> NextDispatchTime(
      const std::vector<core::Channel>& channels) = 0;
};

/// Where providers' receipts are applied.
class ReceiptStore {
 public:
  virtual ~ReceiptStore() = default;

  /// Applies a provider's receipt to the notification whose latest attempt has that
  /// provider id, only forward (SENT, then DELIVERED, FAILED or BOUNCED; a late "sent"
  /// never overwrites "delivered", and the same receipt twice changes nothing). A
  /// failure with channels left queues the notification on the next one at once; a
  /// BOUNCED receipt suppresses the channel in the customer's profile in the same
  /// transaction. A receipt for a provider id no attempt has yet (the provider called
  /// back before the hand-off's result was recorded) is held for a day and applied
  /// when RecordAttempts records that id. A receipt by notification id applies to its
  /// latest attempt on the receipt's channel.
  virtual absl::StatusOr<ReceiptResult> ApplyReceipt(const Receipt& receipt) = 0;
};

/// An operator's change to one notification (OperatorStore).
struct OperatorChange {
  enum class Action {
    kRetry,           // FAILED or UNKNOWN: QUEUED again, under the same id
    kCancel,          // PENDING, DEFERRED or QUEUED: CANCELLED
    kResolveSent,     // UNKNOWN: SENT (the provider has it)
    kResolveNotSent,  // UNKNOWN: FAILED (the provider never got it)
  };
  Action action = Action::kRetry;
  std::string notification_id = {};
  /// Written into the notification's history, e.g. "retried by api-key:ops-1: provider
  /// fixed".
  std::string detail = {};
  core::Time time = {};
};

/// What an OperatorChange did.
struct OperatorResult {
  enum class Outcome {
    kApplied,
    kNotFound,
    kWrongState,  // not in a state the action applies to; `state` says which it is in
  };
  Outcome outcome = Outcome::kNotFound;
  core::NotificationState state = core::NotificationState::kPending;  // after
  std::string customer_id = {};
};

/// Operators' changes to notifications, each recorded in its history and on the status
/// topic like any other state change.
class OperatorStore {
 public:
  virtual ~OperatorStore() = default;

  /// Applies each change in one durable transaction, in order; a change that does not
  /// apply (no such notification, or not in a state its action applies to) changes
  /// nothing and the others still apply.
  virtual absl::StatusOr<std::vector<OperatorResult>> ApplyOperatorChanges(
      const std::vector<OperatorChange>& changes) = 0;
};

/// Every state change, in commit order: for the status topic and for watchers.
class ChangeLog {
 public:
  virtual ~ChangeLog() = default;

  /// The changes the status topic does not have yet, oldest first, up to `limit`; none
  /// when the store keeps no status outbox. Several instances sharing a store publish
  /// through one of them at a time (so the topic gets each customer's changes in order):
  /// the others are given none until that one is gone.
  virtual absl::StatusOr<std::vector<StatusChange>> ListStatusOutbox(int limit) = 0;

  /// The status topic has every change up to and including `sequence`.
  virtual absl::Status AckStatusOutbox(int64_t sequence) = 0;

  /// The sequence of the latest change stored (0: none yet); a watch starts after it.
  virtual absl::StatusOr<int64_t> LatestChange() = 0;

  /// Notifications matching `filter` as each change after the change `after` left
  /// them (state, channel, update time), oldest change first, of the next `limit`;
  /// next_after is the sequence to continue after. OUT_OF_RANGE when changes after
  /// `after` are no longer kept.
  virtual absl::StatusOr<Page<core::Notification>> ListChangedNotifications(
      const NotificationFilter& filter, int64_t after, int limit) = 0;
};

/// The notifications still at work (PENDING, DEFERRED, QUEUED, SENDING, UNKNOWN),
/// counted: what operators watch.
struct NotificationBacklog {
  struct Count {
    core::NotificationState state = core::NotificationState::kPending;
    std::optional<core::Channel> channel = {};  // unset: none chosen yet
    int64_t count = 0;
  };
  /// Each state and channel that has any, in state order.
  std::vector<Count> counts = {};
  /// When the oldest QUEUED notification was let go by the policy; unset: none is
  /// QUEUED. Its age is how long the outbox has kept work from the connectors.
  std::optional<core::Time> oldest_queued = {};
  /// When the DEFERRED notification due first is (or was) due for its next decision;
  /// unset: none is DEFERRED. Past it, the releaser is behind.
  std::optional<core::Time> first_deferred_due = {};
};

/// Reading notifications, for the API and operators.
class NotificationQueries {
 public:
  virtual ~NotificationQueries() = default;

  /// How many notifications are in any of `states` (e.g. QUEUED: work the later
  /// stages have not done yet).
  virtual absl::StatusOr<int64_t> CountNotifications(
      const std::vector<core::NotificationState>& states) = 0;

  /// The notifications still at work, by state and channel, in one snapshot.
  virtual absl::StatusOr<NotificationBacklog> CountBacklog() = 0;

  /// With its latest decision, its history, messages and attempts. NOT_FOUND when
  /// there is no such notification.
  virtual absl::StatusOr<core::Notification> GetNotification(std::string_view id) = 0;

  /// Every decision taken for a notification, oldest first, with its evaluations.
  virtual absl::StatusOr<std::vector<core::Decision>> ListDecisions(
      std::string_view notification_id) = 0;

  /// With their latest decisions, newest first; `after` is a key from a previous
  /// page's next_after ("" to start).
  virtual absl::StatusOr<Page<core::Notification>> ListNotifications(
      const NotificationFilter& filter, std::string_view after, int limit) = 0;
};

/// Accepted events and the notifications they lead to, behind one interface per stage
/// that uses them.
class NotificationStore : public IntakeStore,
                          public ContactHistoryStore,
                          public EventStore,
                          public DeferralStore,
                          public DispatchStore,
                          public ReceiptStore,
                          public ChangeLog,
                          public NotificationQueries,
                          public OperatorStore,
                          public PauseStore {};

/// All of Herald's durable state, behind one interface per kind of record.
class Store : public ProfileStore,
              public TemplateStore,
              public NotificationStore,
              public ApiKeyStore,
              public AuditStore,
              public PrivacyStore,
              public DeadLetterStore {};

}  // namespace herald::store
