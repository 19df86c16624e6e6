#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"
#include "services/core/decision.h"
#include "services/core/kinds.h"
#include "services/core/trace.h"

namespace herald::core {

/// Where a notification is in its life.
enum class NotificationState {
  kPending,  // recorded from an event; the contact policy has not decided yet
  kQueued,
  kDeferred,
  kSuppressed,
  kSending,
  kSent,
  kDelivered,
  kBounced,
  kFailed,
  kUnknown,
  kCancelled,  // stopped by an operator before it was sent
};

std::string_view Name(NotificationState state);
std::optional<NotificationState> ParseNotificationState(std::string_view name);

/// How one hand-off to a connector ended.
enum class AttemptResult {
  kAccepted,          // the server or provider took it
  kRetryableFailure,  // failed; tried again later
  kPermanentFailure,  // failed for good on this channel
  kInterrupted,       // Herald stopped while it was in flight
};

std::string_view Name(AttemptResult result);
std::optional<AttemptResult> ParseAttemptResult(std::string_view name);

/// One hand-off of a notification to a connector.
struct DeliveryAttempt {
  int number = 1;  // 1 for the first
  Channel channel = Channel::kEmail;
  Time start_time;
  std::optional<Time> end_time;  // unset while in flight
  std::optional<AttemptResult> result;
  std::string detail;
  std::string provider_message_id;

  bool operator==(const DeliveryAttempt&) const = default;
};

/// A change of a notification's state.
struct StateChange {
  NotificationState state = NotificationState::kPending;
  Time change_time;
  std::string detail;

  bool operator==(const StateChange&) const = default;
};

/// Why a notification's message content (addresses, bodies, subject) was removed.
enum class PurgeReason {
  kRetention,  // older than the configured retention for content
  kErasure,    // its customer was erased on request
};

std::string_view Name(PurgeReason reason);

/// When and why a notification's content was removed; what remains is anonymous.
struct ContentPurge {
  Time time;
  PurgeReason reason = PurgeReason::kRetention;

  bool operator==(const ContentPurge&) const = default;
};

/// A notification's message as rendered for one channel: what the customer gets.
struct RenderedMessage {
  Channel channel = Channel::kEmail;
  /// Where it goes: the email address or E.164 number at the time of rendering
  /// (the event's contact override, else the profile's).
  std::string address;
  std::string locale;  // of the template content used, after fallback
  // Email.
  std::string subject;
  std::string text_body;
  std::string html_body;  // empty when the template has none
  // SMS.
  std::string sms_text;
  std::string sms_encoding;  // "GSM_7" or "UCS_2"
  int sms_units = 0;
  int sms_segments = 0;
  Time render_time;

  bool operator==(const RenderedMessage&) const = default;
};

struct Notification {
  /// The store's number for it, in creation order; 0 until recorded.
  int64_t seq = 0;
  std::string notification_id;
  std::string event_id;
  /// The store's number for the event; 0 until recorded.
  int64_t event_seq = 0;
  std::string customer_id;
  std::string event_type;
  std::string template_name;  // empty when no template is triggered by the event type
  int64_t template_version = 0;
  /// The event's subject (e.g. "order 1234"), for recognising the same news twice.
  std::string subject;
  /// The event's trace (W3C trace id, 32 hex digits; core/trace.h); "" for events
  /// recorded before traces were kept.
  TraceId trace_id;
  std::optional<Category> category;  // the template's
  std::optional<Channel> channel;    // unset until a channel is chosen
  /// Channels to try, in order, if `channel` fails permanently.
  std::vector<Channel> fallback_channels;
  NotificationState state = NotificationState::kPending;
  /// The latest policy decision; unset while PENDING.
  std::optional<Decision> decision;
  /// When the policy let it go (caps count sends from this moment).
  std::optional<Time> send_time;
  Time create_time;
  Time update_time;
  /// Every state change after creation, oldest first; filled by single reads only.
  std::vector<StateChange> history;
  /// The message rendered for each channel it was handed off on; filled by single
  /// reads only.
  std::vector<RenderedMessage> messages;
  /// Hand-offs to connectors so far.
  int attempt_count = 0;
  /// While QUEUED: when the dispatcher may take it (a retry waits for its backoff).
  std::optional<Time> next_attempt_time;
  /// Every hand-off, oldest first; filled by single reads only.
  std::vector<DeliveryAttempt> attempts;
  /// Set once its messages' addresses and bodies were removed (the first removal).
  std::optional<ContentPurge> content_purge = {};

  bool operator==(const Notification&) const = default;
};

/// The deterministic id of the notification for (event, customer, template): the same
/// inputs always give the same id, so processing an event twice creates nothing new.
std::string NotificationId(std::string_view event_id, std::string_view customer_id,
                           std::string_view template_name);

}  // namespace herald::core
