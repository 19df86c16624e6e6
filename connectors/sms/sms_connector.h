#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/connector.h"
#include "services/core/clock.h"

namespace herald::connectors::sms {

/// An HTTP request to an SMS provider, and what its answer means.
struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string username;  // basic auth, when set
  std::string password;
};

/// One provider's API: how a message becomes a request, and how the answer's body
/// names the message or says the number is wrong. Small, so that a provider is an
/// adapter rather than a connector.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view name() const = 0;
  virtual HttpRequest Request(const Delivery& delivery) const = 0;
  /// The provider's message id from a 2xx body; empty when it gives none.
  virtual std::string MessageId(std::string_view body) const = 0;
  /// Whether a 4xx body says the number itself is invalid (a hard bounce).
  virtual bool NumberRejected(long status, std::string_view body) const = 0;
};

/// The generic JSON API: POST {url} with {"to", "text", "reference"} and
/// "Authorization: Bearer {token}"; the answer {"id": ...}; a 4xx
/// {"error": {"code": "invalid_number"}} rejects the number.
struct GenericJsonOptions {
  std::string url = {};
  std::string token = {};
  std::string sender = {};  // "from", when the provider wants one
};
std::unique_ptr<Provider> MakeGenericJsonProvider(GenericJsonOptions options);

/// A Twilio-compatible API: POST {base_url}/2010-04-01/Accounts/{account}/Messages.json
/// form-encoded To, From, Body (and StatusCallback), basic auth account:token; the
/// answer's "sid" is the id; error codes 21211 and 21614 reject the number.
struct TwilioOptions {
  std::string base_url = {};  // e.g. https://api.twilio.com
  std::string account_sid = {};
  std::string auth_token = {};
  std::string from = {};             // the sending number, E.164
  std::string status_callback = {};  // where delivery receipts go; empty: none
};
std::unique_ptr<Provider> MakeTwilioProvider(TwilioOptions options);

struct SmsOptions {
  /// Requests in flight at once (libcurl multi; connections are kept alive and reused).
  int max_in_flight = 16;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};
  /// CA bundle for https; empty: the system's.
  std::string ca_file = {};
};

/// SMS over an HTTP provider API with libcurl multi on one thread of its own. Every
/// request carries "Idempotency-Key: {notification id}", the same on a retry.
/// E.164 numbers only. 2xx accepted; 429 and 5xx retryable (with Retry-After), and
/// 401/403 (our credentials) too; other 4xx permanent; connection problems and
/// timeouts retryable.
class SmsConnector final : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<SmsConnector>> Create(std::unique_ptr<Provider> provider,
                                                              SmsOptions options,
                                                              const core::Clock& clock);
  /// Finishes the requests in flight, then stops.
  ~SmsConnector() override;

  core::Channel channel() const override { return core::Channel::kSms; }
  void Send(Delivery delivery, SendDone done) override;

 private:
  struct Pending;
  SmsConnector(std::unique_ptr<Provider> provider, SmsOptions options, const core::Clock& clock);
  void Loop();
  void Wake();
  /// libcurl's socket and timer callbacks (CURLMOPT_SOCKETFUNCTION, TIMERFUNCTION).
  static int OnSocket(void* easy, int socket, int what, void* self, void* known);
  static int OnTimer(void* multi, long timeout_ms, void* self);

  const std::unique_ptr<Provider> provider_;
  const SmsOptions options_;
  const core::Clock& clock_;
  void* multi_ = nullptr;  // CURLM
  int epoll_ = -1;         // the sockets libcurl watches, and wake_
  int wake_ = -1;          // eventfd: Send and the destructor wake the loop
  /// When libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT); the loop's own.
  std::optional<std::chrono::steady_clock::time_point> timer_at_;

  std::mutex mu_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

/// The one place HTTP outcomes are classified: libcurl's result, the status, the
/// Retry-After header (seconds or an HTTP date, relative to `now`), and the body.
SendResult ClassifyHttp(int curl_code, long status, std::string_view retry_after,
                        std::string_view body, std::string_view curl_error, core::Time now);

/// Whether `number` is E.164: '+', then 8 to 15 digits, the first not 0.
bool IsE164(std::string_view number);

}  // namespace herald::connectors::sms
