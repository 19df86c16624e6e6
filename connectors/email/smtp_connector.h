#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/connector.h"
#include "services/core/clock.h"

namespace herald::connectors::email {

/// STARTTLS on a plain smtp:// connection.
enum class StartTls {
  kOff,            // never
  kOpportunistic,  // when the server offers it
  kRequired,       // refuse to send without it
};

struct SmtpOptions {
  /// smtp://HOST:PORT (STARTTLS as below) or smtps://HOST:PORT (TLS from the start).
  std::string url = {};
  StartTls starttls = StartTls::kOpportunistic;
  /// AUTH, when set: only over TLS (smtps://, or STARTTLS required).
  std::string username = {};
  std::string password = {};
  /// CA bundle for the server's certificate; empty: the system's. verify_peer false
  /// accepts any certificate (never in production).
  std::string ca_file = {};
  bool verify_peer = true;
  /// The envelope sender and From.
  std::string from_address = {};
  std::string from_name = {};
  /// Connections kept open and reused, each with a thread of its own; sends beyond
  /// them wait for one.
  int pool_size = 4;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};
};

/// Email over SMTP with libcurl. The Message-ID is derived from the notification id,
/// so a retry after a crash carries the same one. SMTP 4xx, connection problems,
/// timeouts, and refusals of our account or relay (AUTH, 530, 5.7.x) are retryable;
/// other SMTP 5xx are permanent, and a 5.1.x (or plain 550/551/553) to RCPT means the
/// address does not exist (a hard bounce). Credentials never appear in a detail.
class SmtpConnector final : public Connector {
 public:
  /// INVALID_ARGUMENT names a bad option (URL scheme, from address, pool size).
  static absl::StatusOr<std::unique_ptr<SmtpConnector>> Create(SmtpOptions options,
                                                               const core::Clock& clock);
  ~SmtpConnector() override;

  core::Channel channel() const override { return core::Channel::kEmail; }
  void Send(Delivery delivery, SendDone done) override;

  /// The Message-ID (without angle brackets) of a notification's email.
  std::string MessageId(std::string_view notification_id) const;

 private:
  struct Queued {
    Delivery delivery;
    SendDone done;
  };
  SmtpConnector(SmtpOptions options, const core::Clock& clock);
  void SenderLoop();
  /// One message over `handle` (a CURL easy handle keeping its connection).
  SendResult Deliver(void* handle, const Delivery& delivery);

  const SmtpOptions options_;
  const core::Clock& clock_;
  std::string domain_;  // of from_address, for Message-IDs

  std::mutex mu_;
  std::condition_variable queued_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

/// The one place SMTP outcomes are classified: libcurl's result, the last SMTP reply
/// code and text, and the command it answered ("RCPT", "DATA", ...).
SendResult ClassifySmtp(int curl_code, long reply_code, std::string_view reply,
                        std::string_view command, std::string_view curl_error);

}  // namespace herald::connectors::email
