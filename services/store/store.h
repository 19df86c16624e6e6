#pragma once

#include <cstdint>
#include <functional>
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
#include "services/core/profile.h"
#include "services/core/template.h"

namespace herald::store {

/// One page of a listing ordered by key; next_after is the key to continue after.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;
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

  /// Reads, changes and writes one profile atomically; returns what was stored.
  virtual absl::StatusOr<core::Profile> MutateProfile(std::string_view customer_id,
                                                      ProfileMutation mutate) = 0;

  /// Deletes a profile with its consents and suppressions; NOT_FOUND when absent.
  virtual absl::Status DeleteProfile(std::string_view customer_id) = 0;
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
};

/// An accepted event as it is kept: its fields for queries, and its body exactly as
/// received (protobuf or JSON), so that nothing of it is lost.
struct EventRecord {
  core::Event event;
  std::string content_type;
  std::string body;
  std::string origin;  // e.g. "kafka herald.orders/2@1234" or "grpc"
  core::Time receive_time;
};

/// One event with the notifications derived from it.
struct IntakeItem {
  EventRecord record;
  std::vector<core::Notification> notifications;
};

/// What recording one event did.
struct IntakeResult {
  /// The event id was recorded before; nothing was written for it.
  bool duplicate = false;
  int notifications_created = 0;
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

/// What the contact policy reads about one customer, in one snapshot.
struct CustomerContext {
  std::optional<core::Profile> profile;
  /// Notifications let through (QUEUED and later, but not FAILED or BOUNCED) or
  /// DEFERRED, changed at or after the `history_since` asked for.
  std::vector<core::Notification> history;
  /// (event id, occur time) of the customer's events of the asked type since then.
  std::vector<std::pair<std::string, core::Time>> events;
};

/// One decision to record; it applies only while the notification is still as it was
/// read (`expected_state` and `expected_update_time`: nobody changed it meanwhile).
struct DecisionUpdate {
  std::string notification_id;
  core::NotificationState expected_state = core::NotificationState::kPending;
  core::Time expected_update_time;
  core::NotificationState state = core::NotificationState::kSuppressed;
  core::Decision decision;
  int64_t template_version = 0;
  std::optional<core::Category> category;
  std::optional<core::Channel> channel;
  std::vector<core::Channel> fallback_channels;
  std::optional<core::Time> send_time;
  /// The rendered message per channel, for a SEND.
  std::vector<core::RenderedMessage> messages;
};

/// A notification taken for a hand-off to a connector.
struct DispatchItem {
  /// SENDING, with attempt_count the number of this attempt.
  core::Notification notification;
  /// The message for the notification's channel.
  core::RenderedMessage message;
};

/// What a hand-off led to. It applies only while the notification is SENDING in that
/// attempt (nobody resolved it meanwhile).
struct AttemptUpdate {
  std::string notification_id;
  int attempt = 1;
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
};

/// A state change waiting for the status topic: what the notification became, from
/// what, and why.
struct StatusChange {
  /// Increases with every change stored; never repeats.
  int64_t sequence = 0;
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

  bool operator==(const StatusChange&) const = default;
};

/// Accepted events and the notifications they lead to.
class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  /// Records every item in one durable transaction: each event with its notifications,
  /// or, when its id is already recorded, nothing (a duplicate). Results are in item
  /// order. An error means nothing of the batch was recorded.
  virtual absl::StatusOr<std::vector<IntakeResult>> RecordIntake(
      const std::vector<IntakeItem>& items) = 0;

  /// How many notifications are in any of `states` (e.g. PENDING and QUEUED: work the
  /// later stages have not done yet).
  virtual absl::StatusOr<int64_t> CountNotifications(
      const std::vector<core::NotificationState>& states) = 0;

  /// NOT_FOUND when no event has this id.
  virtual absl::StatusOr<EventRecord> GetEvent(std::string_view event_id) = 0;

  /// For each id, its event (nullopt when there is none), in one snapshot.
  virtual absl::StatusOr<std::vector<std::optional<EventRecord>>> GetEvents(
      const std::vector<std::string>& event_ids) = 0;

  /// Work for the contact policy: PENDING notifications, and DEFERRED ones due at
  /// `now`, up to `limit`, oldest first.
  virtual absl::StatusOr<std::vector<core::Notification>> ListDecisionWork(core::Time now,
                                                                           int limit) = 0;

  /// When the earliest DEFERRED notification is due; nullopt when none is deferred.
  virtual absl::StatusOr<std::optional<core::Time>> NextDeferTime() = 0;

  /// For each customer: profile, recent history since `history_since`, and events of
  /// `event_type` that occurred since `events_since`.
  virtual absl::StatusOr<std::vector<CustomerContext>> LoadCustomerContexts(
      const std::vector<std::string>& customer_ids, core::Time history_since,
      std::string_view event_type, core::Time events_since) = 0;

  /// Records decisions in one durable transaction; for each, whether it applied.
  virtual absl::StatusOr<std::vector<bool>> RecordDecisions(
      const std::vector<DecisionUpdate>& updates) = 0;

  /// Every decision taken for a notification, oldest first, with its evaluations.
  virtual absl::StatusOr<std::vector<core::Decision>> ListDecisions(
      std::string_view notification_id) = 0;

  /// With its latest decision and its history. NOT_FOUND when there is no such
  /// notification.
  virtual absl::StatusOr<core::Notification> GetNotification(std::string_view id) = 0;

  /// Takes up to `limit` QUEUED notifications due at `now` on `channels`, earliest due
  /// first, and marks them SENDING with a new attempt, in one durable transaction:
  /// what a crash leaves behind is SENDING, never lost.
  virtual absl::StatusOr<std::vector<DispatchItem>> ClaimDispatchWork(
      core::Time now, const std::vector<core::Channel>& channels, int limit) = 0;

  /// SENDING notifications: in flight, or left so by a crash.
  virtual absl::StatusOr<std::vector<DispatchItem>> ListInFlight() = 0;

  /// Records hand-off results in one durable transaction; for each, whether it applied.
  virtual absl::StatusOr<std::vector<bool>> RecordAttempts(
      const std::vector<AttemptUpdate>& updates) = 0;

  /// Notifications matching `filter` that changed after the change key `after`
  /// ("UPDATE_TIME_US/ID"; "NOW_US/" for changes from a moment on), oldest change
  /// first, up to `limit`, with the key to continue after.
  virtual absl::StatusOr<Page<core::Notification>> ListChangedNotifications(
      const NotificationFilter& filter, std::string_view after, int limit) = 0;

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

  /// When the earliest QUEUED notification on `channels` is due; nullopt when none.
  virtual absl::StatusOr<std::optional<core::Time>> NextDispatchTime(
      const std::vector<core::Channel>& channels) = 0;

  /// State changes not yet acknowledged as published, oldest first, up to `limit`
  /// (none when the store keeps no status outbox).
  virtual absl::StatusOr<std::vector<StatusChange>> ListStatusOutbox(int limit) = 0;

  /// Forgets the changes up to and including `sequence`: the status topic has them.
  virtual absl::Status AckStatusOutbox(int64_t sequence) = 0;

  /// With their latest decisions, newest first; `after` is a key from a previous page's next_after
  /// ("" to start).
  virtual absl::StatusOr<Page<core::Notification>> ListNotifications(
      const NotificationFilter& filter, std::string_view after, int limit) = 0;
};

/// All of Herald's durable state, behind one interface per kind of record.
class Store : public ProfileStore, public TemplateStore, public NotificationStore {};

}  // namespace herald::store
