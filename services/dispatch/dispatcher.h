#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "absl/status/statusor.h"
#include "connectors/connector.h"
#include "services/core/clock.h"
#include "services/dispatch/limits.h"
#include "services/store/store.h"

namespace herald::dispatch {

/// How a channel's hand-offs are paced and retried.
struct ChannelPolicy {
  /// Token bucket per connector (per provider account): sends a second, and burst.
  double rate_per_second = 50;
  int burst = 50;
  /// Sends in flight at once.
  int concurrency = 8;
  /// Retries: exponential backoff with jitter (a wait between half and all of it),
  /// until max_age after the policy let the notification go; then the next channel.
  std::chrono::seconds initial_backoff{30};
  double multiplier = 2.0;
  std::chrono::seconds max_backoff{std::chrono::hours(1)};
  std::chrono::seconds max_age{std::chrono::hours(24)};
  /// Circuit breaker: retryable failures in a row that stop sends for open_for.
  int breaker_failures = 5;
  std::chrono::seconds breaker_open_for{30};
  /// After a crash, a send that was in flight is sent again with the same idempotency
  /// key (for providers that honour it), or marked UNKNOWN for an operator.
  bool resend_after_crash = false;
};

/// The dispatch stage: takes QUEUED notifications when due, marks them SENDING
/// (durably) before handing them to their channel's connector, and records how each
/// hand-off ended: SENT; QUEUED again after a backoff; on a permanent failure the next
/// channel of the customer's order (a new attempt); finally FAILED, or BOUNCED when
/// the address does not exist (and that channel is then suppressed for the customer).
class Dispatcher {
 public:
  struct Options {
    /// Notifications taken per store transaction and channel.
    int max_batch = 100;
    /// How long the worker sleeps when nothing is due and nobody woke it.
    std::chrono::milliseconds idle_wait{1000};
    std::chrono::milliseconds retry_wait{1000};
    /// For INFORMATIONAL and SURVEY email: {base}/{notification id} is the one-click
    /// unsubscribe address (List-Unsubscribe). Empty: none.
    std::string unsubscribe_base_url = {};
    /// Seeds the backoff jitter (tests fix it).
    uint64_t jitter_seed = std::random_device{}();
  };

  Dispatcher(store::Store& store, std::map<core::Channel, connectors::Connector*> connectors,
             std::map<core::Channel, ChannelPolicy> policies, const core::Clock& clock,
             prometheus::Registry& registry, Options options);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  ~Dispatcher();

  /// Resolves what a crash left SENDING: sent again (resend_after_crash) or UNKNOWN.
  /// Returns how many it resolved. Call before Start.
  absl::StatusOr<int> Recover();

  /// Hands every due notification it may (rate limits, breakers) to its connector and
  /// records the outcomes; returns how many it handed off.
  absl::StatusOr<int> RunOnce();

  void Start();
  /// Finishes the hand-offs in hand and joins the worker. Idempotent.
  void Stop();
  /// There may be new work (the decider queued something).
  void Wake();

 private:
  struct Lane {
    connectors::Connector* connector;
    ChannelPolicy policy;
    TokenBucket bucket;
    CircuitBreaker breaker;
  };

  store::AttemptUpdate Handle(const store::DispatchItem& item, Lane& lane,
                              const connectors::SendResult& result, core::Time now);
  std::chrono::milliseconds Backoff(const ChannelPolicy& policy, int attempt);
  void Loop();

  store::Store& store_;
  const core::Clock& clock_;
  const Options options_;
  std::map<core::Channel, Lane> lanes_;
  /// Outcomes the store did not take yet (it failed): recorded before anything new is
  /// claimed, so a hand-off that happened is never left SENDING.
  std::vector<store::AttemptUpdate> unrecorded_;
  std::mt19937_64 jitter_;

  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Family<prometheus::Gauge>& breaker_open_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace herald::dispatch
