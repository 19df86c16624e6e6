#include "services/dispatch/dispatcher.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "services/core/latency_buckets.h"
#include "services/dispatch/outcome.h"

namespace herald::dispatch {

Dispatcher::Dispatcher(store::DispatchStore& store, Renderer& renderer,
                       std::map<core::Channel, connectors::Connector*> connectors,
                       std::map<core::Channel, ChannelPolicy> policies, const core::Clock& clock,
                       prometheus::Registry& registry, Options options)
    : store_(store), clock_(clock) {
  auto& attempts = prometheus::BuildCounter()
                       .Name("herald_dispatch_attempts_total")
                       .Help("Hand-offs to connectors, by channel and result")
                       .Register(registry);
  auto& render_failures = prometheus::BuildCounter()
                              .Name("herald_render_failures_total")
                              .Help(
                                  "Notifications whose message for a channel did not render "
                                  "(not handed off on it), by channel")
                              .Register(registry);
  auto& breaker_open = prometheus::BuildGauge()
                           .Name("herald_connector_breaker_open")
                           .Help("1 while a connector's circuit breaker holds sends back")
                           .Register(registry);
  auto& hand_off = prometheus::BuildHistogram()
                       .Name("herald_decision_to_hand_off_seconds")
                       .Help(
                           "From the policy letting a notification go to its first hand-off "
                           "to the channel's connector, by channel")
                       .Register(registry);
  const prometheus::Histogram::BucketBoundaries buckets = core::LatencyBucketsSeconds();
  uint64_t seed = options.jitter_seed;
  for (const auto& [channel, connector] : connectors) {
    if (connector == nullptr) continue;
    const std::string name(core::Name(channel));
    LaneMetrics metrics;
    for (core::AttemptResult result :
         {core::AttemptResult::kAccepted, core::AttemptResult::kRetryableFailure,
          core::AttemptResult::kPermanentFailure, core::AttemptResult::kInterrupted}) {
      metrics.attempts[result] =
          &attempts.Add({{"channel", name}, {"result", std::string(core::Name(result))}});
    }
    metrics.render_failures = &render_failures.Add({{"channel", name}});
    metrics.breaker_open = &breaker_open.Add({{"channel", name}});
    metrics.decision_to_hand_off = &hand_off.Add({{"channel", name}}, buckets);
    const ChannelPolicy policy =
        policies.contains(channel) ? policies.at(channel) : ChannelPolicy{};
    lanes_.push_back(std::make_unique<Lane>(
        channel, *connector, policy, store, renderer, clock, std::move(metrics),
        Lane::Options{.max_batch = options.max_batch,
                      .idle_wait = options.idle_wait,
                      .retry_wait = options.retry_wait,
                      .unsubscribe_base_url = options.unsubscribe_base_url,
                      .unsubscribe_tokens = options.unsubscribe_tokens},
        seed++));
  }
}

Dispatcher::~Dispatcher() { Stop(); }

absl::StatusOr<int> Dispatcher::Recover() {
  absl::StatusOr<std::vector<store::DispatchItem>> in_flight = store_.ListInFlight();
  if (!in_flight.ok()) return in_flight.status();
  const core::Time now = clock_.Now();
  std::vector<store::AttemptUpdate> updates;
  for (const store::DispatchItem& item : *in_flight) {
    const core::Notification& n = item.notification;
    if (!n.channel) continue;
    auto lane = std::find_if(lanes_.begin(), lanes_.end(),
                             [&](const auto& l) { return l->channel() == *n.channel; });
    const bool resend = lane != lanes_.end() && (*lane)->policy().resend_after_crash;
    updates.push_back(Interrupted(n, resend, now, item.lost_lease_owner));
    spdlog::warn(
        "msg=\"in-flight send of a stopped instance found\" notification_id={} trace_id={} "
        "channel={} instance=\"{}\" now={}",
        n.notification_id, n.trace_id.hex(), core::Name(*n.channel), item.lost_lease_owner,
        core::Name(updates.back().state));
  }
  if (updates.empty()) return 0;
  absl::StatusOr<std::vector<bool>> applied = store_.RecordAttempts(updates);
  if (!applied.ok()) return applied.status();
  return static_cast<int>(std::count(applied->begin(), applied->end(), true));
}

absl::StatusOr<int> Dispatcher::RunOnce() {
  int handed = 0;
  for (const auto& lane : lanes_) {
    absl::StatusOr<int> n = lane->RunOnce();
    if (!n.ok()) return n.status();
    handed += *n;
  }
  return handed;
}

void Dispatcher::Start() {
  for (const auto& lane : lanes_) lane->Start();
}

void Dispatcher::Stop() {
  for (const auto& lane : lanes_) lane->Stop();
}

void Dispatcher::Wake() {
  for (const auto& lane : lanes_) lane->Wake();
}

size_t Dispatcher::OfferRoom(core::Channel channel) {
  for (const auto& lane : lanes_) {
    if (lane->channel() == channel) return lane->OfferRoom();
  }
  return 0;
}

bool Dispatcher::SetChannelPolicy(core::Channel channel, const ChannelPolicy& policy) {
  for (const auto& lane : lanes_) {
    if (lane->channel() != channel) continue;
    lane->SetPolicy(policy);
    return true;
  }
  return false;
}

void Dispatcher::Offer(std::vector<Queued> queued) {
  for (const auto& lane : lanes_) {
    std::vector<Queued> mine;
    for (Queued& q : queued) {
      if (q.notification.channel == lane->channel()) mine.push_back(std::move(q));
    }
    lane->Offer(std::move(mine));
  }
}

}  // namespace herald::dispatch
