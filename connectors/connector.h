#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "services/core/kinds.h"
#include "services/core/notification.h"

namespace herald::connectors {

/// One rendered message for one address: what the dispatcher hands a connector.
struct Delivery {
  std::string notification_id = {};
  /// 1 for the first hand-off; a retry of the same notification keeps its idempotency
  /// key (Message-ID, provider idempotency header), so a provider can tell.
  int attempt = 1;
  std::string customer_id = {};
  core::Category category = core::Category::kOrderUpdate;
  /// An email address or an E.164 number.
  std::string address = {};
  core::RenderedMessage message;
  /// For INFORMATIONAL and SURVEY email: where one click unsubscribes (RFC 8058).
  std::string unsubscribe_url = {};
  /// The W3C traceparent of this hand-off (the event's trace, a span of its own): sent
  /// as the SMS request's traceparent header and the email's Traceparent header. Empty:
  /// none (a notification from before traces were kept).
  std::string traceparent = {};
};

/// How a hand-off ended.
enum class SendOutcome {
  kAccepted,   // the server or provider took it
  kRetryable,  // not now: try again later (4xx, 429, 5xx from a provider, timeouts)
  kPermanent,  // never on this channel (SMTP 5xx, HTTP 4xx)
};

struct SendResult {
  SendOutcome outcome = SendOutcome::kRetryable;
  /// The server's or provider's own words, e.g. "550 5.1.1 <x@example.nl>: user unknown".
  std::string detail = {};
  /// The provider's id for the message (SMTP queue id, SMS message id), when it says.
  std::string provider_message_id = {};
  /// A permanent failure because the address does not exist (a hard bounce): the
  /// channel is suppressed for the customer.
  bool address_rejected = false;
  /// How long the provider asked to wait (Retry-After).
  std::optional<std::chrono::seconds> retry_after;
};

std::string_view Name(SendOutcome outcome);

/// Told once how a hand-off ended.
using SendDone = std::function<void(SendResult)>;

/// A delivery channel's client. Send starts a hand-off and returns without waiting for
/// the network; `done` is called exactly once, when the server or provider answered or
/// the connector's timeout passed, on a thread of the connector's. When no server is
/// needed to answer (an address that cannot be sent to, a connector that is stopping)
/// it is called before Send returns. `done` must not block. Safe from several threads;
/// destroying a connector finishes the hand-offs it was given.
class Connector {
 public:
  virtual ~Connector() = default;
  virtual core::Channel channel() const = 0;
  virtual void Send(Delivery delivery, SendDone done) = 0;
};

/// Send, waiting for the answer (tools and tests).
SendResult SendAndWait(Connector& connector, Delivery delivery);

}  // namespace herald::connectors
