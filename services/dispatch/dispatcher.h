#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/connector.h"
#include "services/core/clock.h"
#include "services/core/unsubscribe_token.h"
#include "services/dispatch/channel_policy.h"
#include "services/dispatch/lane.h"
#include "services/dispatch/renderer.h"
#include "services/store/store.h"

namespace herald::dispatch {

/// The dispatch stage: takes QUEUED notifications when due, renders each for the channel
/// it goes on, marks it SENDING (durably) just before handing it to the channel's
/// connector, and records how each hand-off ended: SENT; QUEUED again after a backoff;
/// on a permanent failure the next channel of the customer's order (a new attempt);
/// finally FAILED, or BOUNCED when the address does not exist (and that channel is then
/// suppressed for the customer). One lane per channel (see Lane).
class Dispatcher {
 public:
  struct Options {
    /// Notifications listed and rendered per pass and channel, at most.
    int max_batch = 100;
    /// How long a lane sleeps when nothing is due and nobody woke it.
    std::chrono::milliseconds idle_wait{1000};
    std::chrono::milliseconds retry_wait{1000};
    /// For INFORMATIONAL and SURVEY email: {base}/{token} is the one-click unsubscribe
    /// address (List-Unsubscribe), the token signed by unsubscribe_tokens. Empty (or no
    /// tokens): none.
    std::string unsubscribe_base_url = {};
    const core::UnsubscribeTokens* unsubscribe_tokens = nullptr;
    /// Seeds the backoff jitter (tests fix it).
    uint64_t jitter_seed = std::random_device{}();
  };

  Dispatcher(store::DispatchStore& store, Renderer& renderer,
             std::map<core::Channel, connectors::Connector*> connectors,
             std::map<core::Channel, ChannelPolicy> policies, const core::Clock& clock,
             prometheus::Registry& registry, Options options);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  ~Dispatcher();

  /// Resolves what a crash left SENDING: sent again (resend_after_crash) or UNKNOWN.
  /// Returns how many it resolved. Call before Start.
  absl::StatusOr<int> Recover();

  /// One pass of every lane on the calling thread: renders, claims and hands off what
  /// is due (as far as rate limits and breakers allow) and records the outcomes;
  /// returns how many it handed off.
  absl::StatusOr<int> RunOnce();

  void Start();
  /// Finishes the hand-offs in hand, records them and joins. Idempotent.
  void Stop();
  /// There may be new work in the store (e.g. the releaser queued something).
  void Wake();
  /// Notifications their decision queued just now, each to its channel's lane (those
  /// of a channel without one are left in the store).
  void Offer(std::vector<Queued> queued);
  /// How many more offers the channel's lane would hold now (0: none, or no lane).
  size_t OfferRoom(core::Channel channel);
  /// The channel's pacing and retries from now on (a reload); false when it has no
  /// lane.
  bool SetChannelPolicy(core::Channel channel, const ChannelPolicy& policy);

 private:
  store::DispatchStore& store_;
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace herald::dispatch
