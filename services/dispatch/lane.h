#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/connector.h"
#include "services/core/clock.h"
#include "services/core/worker.h"
#include "services/dispatch/channel_policy.h"
#include "services/dispatch/limits.h"
#include "services/dispatch/renderer.h"
#include "services/store/store.h"

namespace herald::dispatch {

/// The metric series one lane writes, looked up once.
struct LaneMetrics {
  std::map<core::AttemptResult, prometheus::Counter*> attempts;
  prometheus::Counter* render_failures = nullptr;
  prometheus::Gauge* breaker_open = nullptr;
  prometheus::Histogram* decision_to_hand_off = nullptr;
};

/// One channel's hand-offs. A worker lists what is due, renders each message for this
/// channel (only now, and only this channel), and in one transaction records how the
/// hand-offs before ended and claims (SENDING, durably) one notification for each
/// sender that is free; `concurrency` senders hand the claimed ones to the connector.
/// So no more than `concurrency` are ever SENDING, and a crash leaves no more in doubt.
class Lane {
 public:
  struct Options {
    /// Notifications listed and rendered per pass, at most.
    int max_batch = 100;
    std::chrono::milliseconds idle_wait{1000};
    std::chrono::milliseconds retry_wait{1000};
    std::string unsubscribe_base_url;
  };

  Lane(core::Channel channel, connectors::Connector& connector, ChannelPolicy policy,
       store::DispatchStore& store, Renderer& renderer, const core::Clock& clock,
       LaneMetrics metrics, Options options, uint64_t jitter_seed);
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;
  ~Lane() { Stop(); }

  core::Channel channel() const { return channel_; }
  const ChannelPolicy& policy() const { return policy_; }

  /// One round on the calling thread: records what ended, renders and claims what is
  /// due (as far as tokens and the breaker allow), hands each off in turn and records
  /// the results. Returns how many it handed off. (Tests; Start runs the same steps on
  /// threads.)
  absl::StatusOr<int> RunOnce();

  void Start();
  /// Lets the senders finish the hand-offs in hand, queues again what was claimed but
  /// not handed off, records it all and joins. Idempotent.
  void Stop();
  void Wake() { worker_.Wake(); }

 private:
  /// A notification rendered for this channel.
  struct Prepared {
    core::Notification notification;
    core::RenderedMessage message;
  };

  std::chrono::milliseconds Pass();
  /// Records the results that came in and claims `next`; the claimed ones are
  /// returned. On failure the results are kept for the next round.
  absl::StatusOr<std::vector<Prepared>> Settle(std::vector<Prepared> next, core::Time now);
  /// Lists and renders up to `room` due notifications.
  absl::StatusOr<std::vector<Prepared>> Prepare(core::Time now, int room);
  /// How many more may be claimed now (free senders, tokens, breaker).
  int Room(core::Time now);
  /// Hands a claimed notification to the connector; the result joins results_.
  void HandOff(Prepared& p);
  void SenderLoop();
  connectors::Delivery DeliveryOf(const Prepared& p) const;

  const core::Channel channel_;
  connectors::Connector& connector_;
  const ChannelPolicy policy_;
  store::DispatchStore& store_;
  Renderer& renderer_;
  const core::Clock& clock_;
  const LaneMetrics metrics_;
  const Options options_;

  std::mutex mu_;
  std::condition_variable senders_cv_;
  /// Claimed, waiting for a sender.
  std::deque<Prepared> claimed_;
  /// Outcomes not recorded yet (kept when the store refuses them, and recorded again:
  /// a hand-off that happened is never left SENDING).
  std::vector<store::AttemptUpdate> results_;
  /// Listed and not finished (claimed, being sent, or with a result not recorded
  /// yet): not listed again.
  std::unordered_set<int64_t> taken_;
  int sending_ = 0;
  bool stopping_ = false;
  TokenBucket bucket_;
  CircuitBreaker breaker_;
  std::mt19937_64 jitter_;

  core::Worker worker_;
  std::vector<std::thread> senders_;
};

}  // namespace herald::dispatch
