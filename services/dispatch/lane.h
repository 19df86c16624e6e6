#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/connector.h"
#include "services/core/clock.h"
#include "services/core/unsubscribe_token.h"
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

/// One channel's hand-offs. A worker takes what is due, renders each message for this
/// channel (only now, and only this channel), and in one transaction records how the
/// hand-offs before ended and claims (SENDING, durably) as many as may be in flight;
/// once that transaction is committed, the worker gives each claimed one to the
/// connector, which answers when the provider did. It does not wait for the commit:
/// while one round's transaction is written, it prepares the next. So no more than
/// `concurrency` are ever SENDING, and a crash leaves no more in doubt. The worker runs
/// when answers free a quarter of the slots, when all are answered, when a round is
/// committed, or when new work arrives: each round's transaction carries many hand-offs.
///
/// What is due comes two ways. Notifications their decision just queued are offered in
/// memory (Offer), with what rendering needs: they are taken first, without reading
/// the store. The store is listed for the rest (retries, released deferrals, a
/// fallback channel, what was not offered or no longer fits): when woken by another
/// stage (Wake), when a retry falls due, and at least every idle_wait. The claim is the
/// arbiter either way: a notification is handed off only while it is still QUEUED as
/// it was taken, so one both offered and listed goes once.
class Lane {
 public:
  struct Options {
    /// Notifications listed and rendered per pass, at most.
    int max_batch = 100;
    std::chrono::milliseconds idle_wait{1000};
    std::chrono::milliseconds retry_wait{1000};
    /// While hand-offs are in flight, how long an answer may wait to be recorded.
    std::chrono::milliseconds record_wait{10};
    std::string unsubscribe_base_url;
    const core::UnsubscribeTokens* unsubscribe_tokens = nullptr;
  };

  Lane(core::Channel channel, connectors::Connector& connector, ChannelPolicy policy,
       store::DispatchStore& store, Renderer& renderer, const core::Clock& clock,
       LaneMetrics metrics, Options options, uint64_t jitter_seed);
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;
  ~Lane() { Stop(); }

  core::Channel channel() const { return channel_; }
  /// The pacing and retries in force.
  ChannelPolicy policy();
  /// New pacing and retries from now on (a reload): the rate and burst, the slots in
  /// flight, the breaker's threshold and open time, and the backoff of the next
  /// retries. What is in flight finishes as it is.
  void SetPolicy(const ChannelPolicy& policy);

  /// One round on the calling thread: records what ended, renders and claims what is
  /// due (as far as tokens and the breaker allow), hands each off, waits for the
  /// answers and records them. Returns how many it handed off. (Tests; Start runs the
  /// same steps on a worker.)
  absl::StatusOr<int> RunOnce();

  void Start();
  /// Stops claiming, waits for the answers to the hand-offs in flight, records them
  /// and joins. Idempotent.
  void Stop();
  /// Notifications on this channel that their decision queued just now. The lane
  /// holds four rounds' worth (4 x concurrency); more are left to listing.
  void Offer(std::vector<Queued> queued);
  /// How many more offers it would hold now.
  size_t OfferRoom();
  /// There may be due work in the store that was not offered.
  void Wake();

 private:
  /// A notification rendered for this channel.
  struct Prepared {
    core::Notification notification;
    core::RenderedMessage message;
  };

  std::chrono::milliseconds Pass();
  /// A round's transaction: the results that came in, and the claims of `next`.
  struct Round {
    std::vector<store::AttemptUpdate> results;
    std::vector<Prepared> next;
    std::vector<store::Claim> claims;  // next's
  };
  /// Takes the results so far into a round with `next`, whose slots (and tokens) stay
  /// taken until the round is settled.
  Round BeginRound(std::vector<Prepared> next);
  /// Applies what the store did with a round: the claims it took are returned (counted
  /// in flight); on failure the results are kept for the next round. Needs mu_.
  std::vector<Prepared> EndRound(Round round,
                                 const absl::StatusOr<store::DispatchStore::Settled>& settled);
  /// Records the results that came in and claims `next`, waiting for the commit.
  absl::StatusOr<std::vector<Prepared>> Settle(std::vector<Prepared> next);
  /// The same without waiting: the claims are handed off by the worker's next pass.
  void SettleAsync(std::vector<Prepared> next);
  /// Takes up to `room` due notifications, from the store when `list` or when listing
  /// is due, then offered ones, and renders them.
  absl::StatusOr<std::vector<Prepared>> Prepare(core::Time now, int room, bool list);
  /// Adds offered notifications to `taken` until it holds `room` (needs mu_).
  void TakeOffered(size_t room, std::vector<Queued>& taken);
  /// Takes one due notification (needs mu_): its offer when it has one (the hint
  /// spares rendering a store read), else `listed`.
  void Take(core::Notification listed, std::vector<Queued>& taken);
  /// How many more may be claimed now (free slots, tokens, breaker).
  int Room(core::Time now);
  /// Gives claimed notifications to the connector.
  void HandOff(std::vector<Prepared> claimed);
  /// A hand-off's answer: its result joins results_.
  void Answered(const core::Notification& n, connectors::SendResult r);
  /// Waits until no round is being committed, hands off what they claimed, and waits
  /// until no hand-off is in flight.
  void WaitForAnswers();
  /// Adds a result to record (needs mu_).
  void AddResult(store::AttemptUpdate u);
  /// The claims committed and not handed off yet.
  std::vector<Prepared> TakeReady();
  connectors::Delivery DeliveryOf(const Prepared& p) const;
  int concurrency() const { return concurrency_.load(std::memory_order_relaxed); }
  size_t max_offered() const { return 4 * static_cast<size_t>(concurrency()); }

  const core::Channel channel_;
  connectors::Connector& connector_;
  ChannelPolicy policy_;  // mu_
  std::atomic<int> concurrency_;
  store::DispatchStore& store_;
  Renderer& renderer_;
  const core::Clock& clock_;
  const LaneMetrics metrics_;
  const Options options_;

  std::mutex mu_;
  std::condition_variable answered_;
  /// Outcomes not recorded yet (kept when the store refuses them, and recorded again:
  /// a hand-off that happened is never left SENDING).
  std::vector<store::AttemptUpdate> results_;
  /// Since when results_ has held any.
  std::chrono::steady_clock::time_point results_since_;
  /// Listed and not finished (claimed, in flight, or with a result not recorded yet):
  /// not listed again.
  std::unordered_set<int64_t> taken_;
  /// Of those, the ones that could not be rendered: still QUEUED in the store until
  /// their result is recorded, so listed again meanwhile.
  std::unordered_set<int64_t> unrecorded_failures_;
  /// Claimed and not answered yet (ready_ included).
  int in_flight_ = 0;
  /// In rounds not committed yet: their slots and tokens are taken.
  int claiming_ = 0;
  /// Rounds not committed yet.
  int settling_ = 0;
  /// Claimed (committed) and not handed off yet.
  std::vector<Prepared> ready_;
  /// A round failed since the last pass: the next waits retry_wait.
  bool settle_failed_ = false;
  /// Offered, oldest first, not taken yet.
  std::unordered_map<int64_t, Queued> offered_;
  /// Their numbers, in the order offered (some may have been taken by a listing).
  std::deque<int64_t> offered_order_;
  /// Asked to list the store (Wake, or offered ones left to it) this many times; the
  /// last listing began after wakes_listed_ of them.
  uint64_t wakes_ = 1;
  uint64_t wakes_listed_ = 0;
  /// The last listing was full: more may be due.
  bool more_due_ = false;
  /// When to list the store at the latest (a retry falls due, or idle_wait passed).
  core::Time next_list_{};
  TokenBucket bucket_;
  CircuitBreaker breaker_;
  std::mt19937_64 jitter_;

  core::Worker worker_;
};

}  // namespace herald::dispatch
