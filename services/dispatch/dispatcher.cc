#include "services/dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "services/core/strings.h"

namespace herald::dispatch {
namespace {

using connectors::SendOutcome;
using core::NotificationState;

bool WantsUnsubscribe(const core::Notification& n) {
  return n.category == core::Category::kInformational || n.category == core::Category::kSurvey;
}

}  // namespace

Dispatcher::Dispatcher(store::Store& store,
                       std::map<core::Channel, connectors::Connector*> connectors,
                       std::map<core::Channel, ChannelPolicy> policies, const core::Clock& clock,
                       prometheus::Registry& registry, Options options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      jitter_(options_.jitter_seed),
      attempts_(prometheus::BuildCounter()
                    .Name("herald_dispatch_attempts_total")
                    .Help("Hand-offs to connectors, by channel and result")
                    .Register(registry)),
      breaker_open_(prometheus::BuildGauge()
                        .Name("herald_connector_breaker_open")
                        .Help("1 while a connector's circuit breaker holds sends back")
                        .Register(registry)) {
  const core::Time now = clock_.Now();
  for (const auto& [channel, connector] : connectors) {
    if (connector == nullptr) continue;
    const ChannelPolicy policy =
        policies.contains(channel) ? policies.at(channel) : ChannelPolicy{};
    lanes_.emplace(channel,
                   Lane{connector, policy, TokenBucket(policy.rate_per_second, policy.burst, now),
                        CircuitBreaker(policy.breaker_failures, policy.breaker_open_for)});
  }
}

Dispatcher::~Dispatcher() { Stop(); }

std::chrono::milliseconds Dispatcher::Backoff(const ChannelPolicy& policy, int attempt) {
  const double full =
      std::min<double>(std::chrono::duration<double>(policy.max_backoff).count(),
                       std::chrono::duration<double>(policy.initial_backoff).count() *
                           std::pow(policy.multiplier, std::max(0, attempt - 1)));
  // Between half and all of it, so that many retries do not come back at once.
  std::uniform_real_distribution<double> share(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(full * share(jitter_) * 1000));
}

store::AttemptUpdate Dispatcher::Handle(const store::DispatchItem& item, Lane& lane,
                                        const connectors::SendResult& r, core::Time now) {
  const core::Notification& n = item.notification;
  const core::Channel channel = *n.channel;
  store::AttemptUpdate u;
  u.notification_id = n.notification_id;
  u.attempt = n.attempt_count;
  u.end_time = now;
  u.detail = r.detail;
  u.provider_message_id = r.provider_message_id;
  u.fallback_channels = n.fallback_channels;

  auto next_channel_or_fail = [&](std::string why, bool bounced) {
    if (!n.fallback_channels.empty()) {
      u.state = NotificationState::kQueued;
      u.channel = n.fallback_channels.front();
      u.fallback_channels.assign(n.fallback_channels.begin() + 1, n.fallback_channels.end());
      u.next_attempt_time = now;
      u.state_detail = core::StrCat(why, "; next: ", core::Name(*u.channel));
    } else {
      u.state = bounced ? NotificationState::kBounced : NotificationState::kFailed;
      u.state_detail = core::StrCat(why, "; no channel left");
    }
  };

  switch (r.outcome) {
    case SendOutcome::kAccepted:
      lane.breaker.Succeeded();
      u.result = core::AttemptResult::kAccepted;
      u.state = NotificationState::kSent;
      u.state_detail =
          core::StrCat("accepted on ", core::Name(channel),
                       r.provider_message_id.empty() ? std::string()
                                                     : core::StrCat(" as ", r.provider_message_id));
      break;
    case SendOutcome::kRetryable: {
      lane.breaker.Failed(now);
      u.result = core::AttemptResult::kRetryableFailure;
      std::chrono::milliseconds wait = Backoff(lane.policy, n.attempt_count);
      if (r.retry_after) wait = std::max<std::chrono::milliseconds>(wait, *r.retry_after);
      const core::Time next = now + wait;
      const core::Time deadline = n.send_time.value_or(n.create_time) + lane.policy.max_age;
      if (next <= deadline) {
        u.state = NotificationState::kQueued;
        u.next_attempt_time = next;
        u.state_detail = core::StrCat("retry on ", core::Name(channel), " at ",
                                      core::FormatTime(next), ": ", r.detail);
      } else {
        next_channel_or_fail(core::StrCat(core::Name(channel), " still failing after ",
                                          lane.policy.max_age.count(), "s: ", r.detail),
                             false);
      }
      break;
    }
    case SendOutcome::kPermanent:
      lane.breaker.Succeeded();  // the server answered
      u.result = core::AttemptResult::kPermanentFailure;
      u.address_rejected = r.address_rejected;  // suppressed with the outcome, atomically
      next_channel_or_fail(core::StrCat(r.address_rejected ? "bounced on " : "refused on ",
                                        core::Name(channel), ": ", r.detail),
                           r.address_rejected);
      break;
  }
  return u;
}

absl::StatusOr<int> Dispatcher::Recover() {
  absl::StatusOr<std::vector<store::DispatchItem>> in_flight = store_.ListInFlight();
  if (!in_flight.ok()) return in_flight.status();
  const core::Time now = clock_.Now();
  std::vector<store::AttemptUpdate> updates;
  for (const store::DispatchItem& item : *in_flight) {
    const core::Notification& n = item.notification;
    auto lane = lanes_.find(*n.channel);
    const bool resend = lane != lanes_.end() && lane->second.policy.resend_after_crash;
    store::AttemptUpdate u;
    u.notification_id = n.notification_id;
    u.attempt = n.attempt_count;
    u.end_time = now;
    u.result = core::AttemptResult::kInterrupted;
    u.detail = "heraldd stopped while this hand-off was in flight";
    u.fallback_channels = n.fallback_channels;
    if (resend) {
      u.state = NotificationState::kQueued;
      u.next_attempt_time = now;
      u.state_detail = core::StrCat("in flight on ", core::Name(*n.channel),
                                    " when heraldd stopped; sent again with the same "
                                    "idempotency key");
    } else {
      u.state = NotificationState::kUnknown;
      u.state_detail = core::StrCat("in flight on ", core::Name(*n.channel),
                                    " when heraldd stopped: whether it reached the customer is "
                                    "unknown; an operator must check");
    }
    spdlog::warn("msg=\"in-flight send found at start\" notification_id={} channel={} now={}",
                 n.notification_id, core::Name(*n.channel), core::Name(u.state));
    updates.push_back(std::move(u));
  }
  if (updates.empty()) return 0;
  absl::StatusOr<std::vector<bool>> applied = store_.RecordAttempts(updates);
  if (!applied.ok()) return applied.status();
  return static_cast<int>(std::count(applied->begin(), applied->end(), true));
}

absl::StatusOr<int> Dispatcher::RunOnce() {
  if (!unrecorded_.empty()) {
    absl::StatusOr<std::vector<bool>> applied = store_.RecordAttempts(unrecorded_);
    if (!applied.ok()) return applied.status();
    unrecorded_.clear();
  }
  int handed = 0;
  for (auto& entry : lanes_) {
    // Named variables, not a structured binding: the send lambda below captures them.
    const core::Channel channel = entry.first;
    Lane& lane = entry.second;
    const core::Time now = clock_.Now();
    breaker_open_.Add({{"channel", std::string(core::Name(channel))}})
        .Set(lane.breaker.IsOpen(now) ? 1 : 0);
    if (!lane.breaker.Allows(now)) continue;
    const int limit = std::min(options_.max_batch, lane.bucket.Available(now));
    if (limit <= 0) continue;
    absl::StatusOr<std::vector<store::DispatchItem>> items =
        store_.ClaimDispatchWork(now, {channel}, limit);
    if (!items.ok()) return items.status();
    if (items->empty()) continue;
    lane.bucket.Take(static_cast<int>(items->size()));

    // Hand off with up to `concurrency` sends at once.
    std::vector<connectors::SendResult> results(items->size());
    std::vector<core::Time> ends(items->size());
    auto send = [&](size_t i) {
      const store::DispatchItem& item = (*items)[i];
      connectors::SendResult& r = results[i];
      if (item.message.address.empty()) {
        r.outcome = SendOutcome::kPermanent;
        r.detail = core::StrCat("no ", core::Name(channel), " address was rendered");
      } else {
        connectors::Delivery d;
        d.notification_id = item.notification.notification_id;
        d.attempt = item.notification.attempt_count;
        d.customer_id = item.notification.customer_id;
        d.category = item.notification.category.value_or(core::Category::kOrderUpdate);
        d.address = item.message.address;
        d.message = item.message;
        if (channel == core::Channel::kEmail && WantsUnsubscribe(item.notification) &&
            !options_.unsubscribe_base_url.empty()) {
          d.unsubscribe_url = core::StrCat(options_.unsubscribe_base_url, "/", d.notification_id);
        }
        r = lane.connector->Send(d);
      }
      ends[i] = clock_.Now();
    };
    const size_t workers =
        std::min<size_t>(items->size(), static_cast<size_t>(std::max(1, lane.policy.concurrency)));
    if (workers <= 1) {
      for (size_t i = 0; i < items->size(); ++i) send(i);
    } else {
      std::atomic<size_t> next{0};
      std::vector<std::thread> threads;
      for (size_t w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
          for (size_t i = next++; i < items->size(); i = next++) send(i);
        });
      }
      for (std::thread& t : threads) t.join();
    }

    std::vector<store::AttemptUpdate> updates;
    updates.reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      updates.push_back(Handle((*items)[i], lane, results[i], ends[i]));
      attempts_
          .Add({{"channel", std::string(core::Name(channel))},
                {"result", std::string(core::Name(updates.back().result))}})
          .Increment();
      spdlog::debug("msg=\"handed off\" notification_id={} channel={} result={} detail=\"{}\"",
                    updates.back().notification_id, core::Name(channel),
                    core::Name(updates.back().result), updates.back().detail);
    }
    absl::StatusOr<std::vector<bool>> applied = store_.RecordAttempts(updates);
    handed += static_cast<int>(items->size());
    if (!applied.ok()) {
      spdlog::error("msg=\"cannot record hand-offs; kept to record again\" count={} error=\"{}\"",
                    updates.size(), applied.status().ToString());
      unrecorded_ = std::move(updates);
      return applied.status();
    }
  }
  return handed;
}

void Dispatcher::Start() {
  std::lock_guard lock(mu_);
  if (worker_.joinable() || stopping_) return;
  worker_ = std::thread([this] { Loop(); });
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Dispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Dispatcher::Loop() {
  std::vector<core::Channel> channels;
  for (const auto& [channel, lane] : lanes_) channels.push_back(channel);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<int> handed = RunOnce();
    std::chrono::milliseconds wait = options_.idle_wait;
    if (!handed.ok()) {
      spdlog::warn("msg=\"dispatching failed; will retry\" error=\"{}\"",
                   handed.status().ToString());
      wait = options_.retry_wait;
    } else if (*handed > 0) {
      continue;  // more may be due
    } else {
      // Sleep until the next one is due, a token or a breaker allows, or a wake-up.
      const core::Time now = clock_.Now();
      absl::StatusOr<std::optional<core::Time>> next = store_.NextDispatchTime(channels);
      if (next.ok() && next->has_value()) {
        core::Time at = **next;
        for (auto& [channel, lane] : lanes_) {
          at = std::max({at, lane.breaker.open_until(), lane.bucket.NextToken(now)});
        }
        wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(at - now),
                          std::chrono::milliseconds(1), wait);
      }
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
  }
}

}  // namespace herald::dispatch
