#include "services/dispatch/lane.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "services/core/strings.h"
#include "services/core/trace.h"
#include "services/dispatch/outcome.h"

namespace herald::dispatch {
namespace {

bool WantsUnsubscribe(const core::Notification& n) {
  return n.category == core::Category::kInformational || n.category == core::Category::kSurvey;
}

std::chrono::milliseconds Backoff(const ChannelPolicy& policy, int attempt, std::mt19937_64& rng) {
  const double full =
      std::min<double>(std::chrono::duration<double>(policy.max_backoff).count(),
                       std::chrono::duration<double>(policy.initial_backoff).count() *
                           std::pow(policy.multiplier, std::max(0, attempt - 1)));
  // Between half and all of it, so that many retries do not come back at once.
  std::uniform_real_distribution<double> share(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(full * share(rng) * 1000));
}

}  // namespace

Lane::Lane(core::Channel channel, connectors::Connector& connector, ChannelPolicy policy,
           store::DispatchStore& store, Renderer& renderer, const core::Clock& clock,
           LaneMetrics metrics, Options options, uint64_t jitter_seed)
    : channel_(channel),
      connector_(connector),
      policy_(policy),
      concurrency_(std::max(1, policy.concurrency)),
      store_(store),
      renderer_(renderer),
      clock_(clock),
      metrics_(std::move(metrics)),
      options_(std::move(options)),
      bucket_(policy.rate_per_second, policy.burst, clock.Now()),
      breaker_(policy.breaker_failures, policy.breaker_open_for),
      jitter_(jitter_seed),
      worker_(core::StrCat("dispatch-", core::Name(channel)), [this] { return Pass(); }) {}

void Lane::Start() { worker_.Start(); }

ChannelPolicy Lane::policy() {
  std::lock_guard lock(mu_);
  return policy_;
}

void Lane::SetPolicy(const ChannelPolicy& policy) {
  {
    std::lock_guard lock(mu_);
    policy_ = policy;
    concurrency_.store(std::max(1, policy.concurrency), std::memory_order_relaxed);
    bucket_.Reconfigure(policy.rate_per_second, policy.burst, clock_.Now());
    breaker_.Reconfigure(policy.breaker_failures, policy.breaker_open_for);
  }
  Wake();  // more room, perhaps
}

void Lane::Stop() {
  worker_.Stop();
  WaitForAnswers();  // what the rounds in hand claimed is handed off first
  absl::StatusOr<std::vector<Prepared>> settled = Settle({});
  if (!settled.ok()) {
    spdlog::warn("msg=\"hand-off results not recorded at stop\" channel={} error=\"{}\"",
                 core::Name(channel_), settled.status().ToString());
  }
}

int Lane::Room(core::Time now) {
  std::lock_guard lock(mu_);
  metrics_.breaker_open->Set(breaker_.IsOpen(now) ? 1 : 0);
  if (!breaker_.Allows(now)) return 0;
  return std::min({concurrency() - in_flight_ - claiming_, bucket_.Available(now) - claiming_,
                   options_.max_batch});
}

void Lane::Offer(std::vector<Queued> queued) {
  if (queued.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (Queued& q : queued) {
      if (offered_.size() >= max_offered()) {
        ++wakes_;  // the rest is listed
        break;
      }
      const int64_t seq = q.notification.seq;
      if (offered_.try_emplace(seq, std::move(q)).second) offered_order_.push_back(seq);
    }
  }
  worker_.Wake();
}

size_t Lane::OfferRoom() {
  std::lock_guard lock(mu_);
  return max_offered() - std::min(max_offered(), offered_.size());
}

void Lane::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  worker_.Wake();
}

void Lane::TakeOffered(size_t room, std::vector<Queued>& taken) {
  while (taken.size() < room && !offered_order_.empty()) {
    auto it = offered_.find(offered_order_.front());
    offered_order_.pop_front();
    if (it == offered_.end()) continue;  // taken by a listing
    Queued q = std::move(it->second);
    offered_.erase(it);
    if (taken_.contains(q.notification.seq)) continue;  // listed meanwhile
    taken_.insert(q.notification.seq);
    taken.push_back(std::move(q));
  }
}

void Lane::Take(core::Notification listed, std::vector<Queued>& taken) {
  if (!taken_.insert(listed.seq).second) return;
  auto it = offered_.find(listed.seq);
  if (it != offered_.end()) {
    Queued offer = std::move(it->second);
    offered_.erase(it);  // its place in offered_order_ is skipped
    if (offer.notification.attempt_count == listed.attempt_count) {
      taken.push_back(std::move(offer));
      return;
    }
  }
  taken.push_back({std::move(listed), nullptr});
}

absl::StatusOr<std::vector<Lane::Prepared>> Lane::Prepare(core::Time now, int room, bool list) {
  std::vector<Prepared> prepared;
  if (room <= 0) return prepared;
  std::vector<Queued> taken;
  taken.reserve(static_cast<size_t>(room));
  size_t still_queued = 0;
  uint64_t wakes = 0;
  {
    std::lock_guard lock(mu_);
    list = list || wakes_ != wakes_listed_ || more_due_ || now >= next_list_;
    wakes = wakes_;
    // What is claimed is SENDING in the store and not listed; the claims of rounds not
    // committed yet and render failures not recorded yet are still QUEUED there and
    // come back (then skipped).
    still_queued = unrecorded_failures_.size() + static_cast<size_t>(claiming_);
  }
  // The store first when it is listed: it gives the longest due first, offered or not
  // (an offered one is taken with its hint), so that what was left to listing (too
  // many offers at once) does not wait behind newer offers.
  if (list) {
    const int limit = room + static_cast<int>(still_queued);
    absl::StatusOr<std::vector<core::Notification>> due = store_.ListDue(now, channel_, limit);
    if (!due.ok()) return due.status();
    std::lock_guard lock(mu_);
    for (core::Notification& n : *due) {
      if (static_cast<int>(taken.size()) >= room) break;
      Take(std::move(n), taken);
    }
    wakes_listed_ = wakes;
    more_due_ = static_cast<int>(due->size()) >= limit;
    next_list_ = now + options_.idle_wait;
  }
  {
    std::lock_guard lock(mu_);
    TakeOffered(static_cast<size_t>(room), taken);
  }
  if (taken.empty()) return prepared;
  std::vector<RenderInput> inputs;
  inputs.reserve(taken.size());
  for (const Queued& q : taken) inputs.push_back({&q.notification, q.hint.get()});
  std::vector<absl::StatusOr<core::RenderedMessage>> messages = renderer_.Render(inputs, now);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < taken.size(); ++i) {
    core::Notification& n = taken[i].notification;
    if (!messages[i].ok() && RenderLater(messages[i].status())) {
      // None of this round goes: what is not a failure recorded already is still QUEUED
      // in the store, listed again once what rendering reads answers.
      for (const Prepared& p : prepared) taken_.erase(p.notification.seq);
      for (size_t j = i; j < taken.size(); ++j) taken_.erase(taken[j].notification.seq);
      more_due_ = true;
      return messages[i].status();
    }
    if (!messages[i].ok()) {
      spdlog::warn("msg=\"not rendered\" notification_id={} trace_id={} channel={} error=\"{}\"",
                   n.notification_id, n.trace_id.hex(), core::Name(channel_),
                   messages[i].status().ToString());
      metrics_.render_failures->Increment();
      unrecorded_failures_.insert(n.seq);
      AddResult(RenderFailure(n, std::string(core::ToStd(messages[i].status().message())), now));
      continue;
    }
    prepared.push_back({std::move(n), *std::move(messages[i])});
  }
  return prepared;
}

Lane::Round Lane::BeginRound(std::vector<Prepared> next) {
  Round round;
  round.next = std::move(next);
  const core::Time now = clock_.Now();
  round.claims.reserve(round.next.size());
  for (const Prepared& p : round.next) {
    round.claims.push_back({p.notification.seq, p.notification.notification_id,
                            p.notification.attempt_count, now, p.message,
                            store::Named::Of(p.notification)});
  }
  std::lock_guard lock(mu_);
  round.results.swap(results_);
  claiming_ += static_cast<int>(round.next.size());
  ++settling_;
  return round;
}

std::vector<Lane::Prepared> Lane::EndRound(
    Round round, const absl::StatusOr<store::DispatchStore::Settled>& settled) {
  claiming_ -= static_cast<int>(round.next.size());
  --settling_;
  std::vector<Prepared> claimed;
  if (!settled.ok()) {
    spdlog::error("msg=\"cannot record hand-offs; kept to record again\" count={} error=\"{}\"",
                  round.results.size(), settled.status().ToString());
    if (results_.empty()) results_since_ = std::chrono::steady_clock::now();
    results_.insert(results_.begin(), std::make_move_iterator(round.results.begin()),
                    std::make_move_iterator(round.results.end()));
    for (const Prepared& p : round.next) taken_.erase(p.notification.seq);  // listed again later
    ++wakes_;
    settle_failed_ = true;
    return claimed;
  }
  for (const store::AttemptUpdate& u : round.results) {
    taken_.erase(u.notification_seq);
    unrecorded_failures_.erase(u.notification_seq);
    // A retry on this channel: listed when it falls due.
    if (u.state == core::NotificationState::kQueued && (!u.channel || *u.channel == channel_)) {
      next_list_ = std::min(next_list_, u.next_attempt_time.value_or(u.end_time));
    }
  }
  for (size_t i = 0; i < round.next.size(); ++i) {
    Prepared& p = round.next[i];
    if (!settled->claimed[i]) {  // changed meanwhile: listed again if still due
      taken_.erase(p.notification.seq);
      ++wakes_;
      continue;
    }
    ++p.notification.attempt_count;
    claimed.push_back(std::move(p));
  }
  in_flight_ += static_cast<int>(claimed.size());
  bucket_.Take(static_cast<int>(claimed.size()));
  return claimed;
}

absl::StatusOr<std::vector<Lane::Prepared>> Lane::Settle(std::vector<Prepared> next) {
  Round round = BeginRound(std::move(next));
  if (round.results.empty() && round.next.empty()) {
    std::lock_guard lock(mu_);
    return EndRound(std::move(round), store::DispatchStore::Settled{});
  }
  absl::StatusOr<store::DispatchStore::Settled> settled =
      store_.Settle(round.results, round.claims);
  std::lock_guard lock(mu_);
  std::vector<Prepared> claimed = EndRound(std::move(round), settled);
  answered_.notify_all();
  if (!settled.ok()) return settled.status();
  return claimed;
}

void Lane::SettleAsync(std::vector<Prepared> next) {
  auto round = std::make_shared<Round>(BeginRound(std::move(next)));
  if (round->results.empty() && round->next.empty()) {
    std::lock_guard lock(mu_);
    EndRound(std::move(*round), store::DispatchStore::Settled{});
    return;
  }
  // The results are kept in the round too: recorded again should this fail.
  store_.SettleAsync(round->results, round->claims,
                     [this, round](absl::StatusOr<store::DispatchStore::Settled> settled) {
                       // On the store's thread: the worker hands them off.
                       {
                         std::lock_guard lock(mu_);
                         std::vector<Prepared> claimed = EndRound(std::move(*round), settled);
                         ready_.insert(ready_.end(), std::make_move_iterator(claimed.begin()),
                                       std::make_move_iterator(claimed.end()));
                       }
                       answered_.notify_all();
                       worker_.Wake();
                     });
}

void Lane::AddResult(store::AttemptUpdate u) {
  if (results_.empty()) results_since_ = std::chrono::steady_clock::now();
  results_.push_back(std::move(u));
}

std::vector<Lane::Prepared> Lane::TakeReady() {
  std::lock_guard lock(mu_);
  std::vector<Prepared> ready;
  ready.swap(ready_);
  return ready;
}

connectors::Delivery Lane::DeliveryOf(const Prepared& p) const {
  const core::Notification& n = p.notification;
  connectors::Delivery d;
  d.notification_id = n.notification_id;
  d.attempt = n.attempt_count;
  d.customer_id = n.customer_id;
  d.category = n.category.value_or(core::Category::kOrderUpdate);
  d.address = p.message.address;
  d.message = p.message;
  if (!n.trace_id.empty()) {
    d.traceparent =
        core::Traceparent(n.trace_id, core::StrCat(n.notification_id, "/", n.attempt_count));
  }
  if (channel_ == core::Channel::kEmail && WantsUnsubscribe(n) &&
      !options_.unsubscribe_base_url.empty() && options_.unsubscribe_tokens != nullptr) {
    d.unsubscribe_url =
        core::StrCat(options_.unsubscribe_base_url, "/",
                     options_.unsubscribe_tokens->Issue({.customer_id = n.customer_id,
                                                         .category = d.category,
                                                         .channel = core::Channel::kEmail}));
  }
  return d;
}

void Lane::HandOff(std::vector<Prepared> claimed) {
  const core::Time now = clock_.Now();
  for (Prepared& p : claimed) {
    if (p.notification.attempt_count == 1 && p.notification.send_time) {
      metrics_.decision_to_hand_off->Observe(
          std::chrono::duration<double>(now - *p.notification.send_time).count());
    }
    if (p.message.address.empty()) {
      connectors::SendResult r;
      r.outcome = connectors::SendOutcome::kPermanent;
      r.detail = core::StrCat("no ", core::Name(channel_), " address was rendered");
      Answered(p.notification, std::move(r));
      continue;
    }
    connectors::Delivery delivery = DeliveryOf(p);
    connector_.Send(std::move(delivery),
                    [this, n = std::move(p.notification)](connectors::SendResult r) {
                      Answered(n, std::move(r));
                    });
  }
}

void Lane::Answered(const core::Notification& n, connectors::SendResult r) {
  const core::Time end = clock_.Now();
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    switch (r.outcome) {
      case connectors::SendOutcome::kAccepted:
      case connectors::SendOutcome::kPermanent:
        breaker_.Succeeded();  // the server answered
        break;
      case connectors::SendOutcome::kRetryable:
        breaker_.Failed(end);
        break;
    }
    store::AttemptUpdate u =
        HandOffOutcome(n, policy_, r, end, Backoff(policy_, n.attempt_count, jitter_));
    metrics_.attempts.at(u.result)->Increment();
    spdlog::debug(
        "msg=\"handed off\" notification_id={} trace_id={} channel={} attempt={} result={} "
        "detail=\"{}\"",
        u.notification_id, n.trace_id.hex(), core::Name(channel_), n.attempt_count,
        core::Name(u.result), u.detail);
    AddResult(std::move(u));
    --in_flight_;
    // The worker claims more once a quarter of the slots is free (a round's
    // transaction then carries many), and records at once when all are answered.
    wake =
        in_flight_ == 0 || concurrency() - in_flight_ - claiming_ == std::max(1, concurrency() / 4);
  }
  answered_.notify_all();
  if (wake) worker_.Wake();
}

void Lane::WaitForAnswers() {
  {
    std::unique_lock lock(mu_);
    answered_.wait(lock, [this] { return settling_ == 0; });
  }
  HandOff(TakeReady());
  std::unique_lock lock(mu_);
  answered_.wait(lock, [this] { return in_flight_ == 0; });
}

absl::StatusOr<int> Lane::RunOnce() {
  const core::Time now = clock_.Now();
  absl::StatusOr<std::vector<Prepared>> prepared = Prepare(now, Room(now), /*list=*/true);
  if (!prepared.ok()) return prepared.status();
  absl::StatusOr<std::vector<Prepared>> claimed = Settle(*std::move(prepared));
  if (!claimed.ok()) return claimed.status();
  const int handed_off = static_cast<int>(claimed->size());
  HandOff(*std::move(claimed));
  WaitForAnswers();
  absl::StatusOr<std::vector<Prepared>> recorded = Settle({});
  if (!recorded.ok()) return recorded.status();
  return handed_off;
}

std::chrono::milliseconds Lane::Pass() {
  HandOff(TakeReady());  // claimed by the rounds committed since the last pass
  {
    std::lock_guard lock(mu_);
    if (settle_failed_) {
      settle_failed_ = false;
      return options_.retry_wait;
    }
  }
  {
    // While hand-offs are in flight, a round waits until a quarter of the slots is free
    // (the answers wake the worker then), so that each round's transaction carries
    // many; answers that came meanwhile wait no longer than record_wait.
    std::lock_guard lock(mu_);
    const int free = concurrency() - in_flight_ - claiming_;
    if (in_flight_ + claiming_ > 0 &&
        free < std::min(std::max(1, concurrency() / 4), options_.max_batch)) {
      if (results_.empty()) return options_.idle_wait;
      const auto waited = std::chrono::steady_clock::now() - results_since_;
      if (waited < options_.record_wait) {
        return std::chrono::ceil<std::chrono::milliseconds>(options_.record_wait - waited);
      }
    }
  }
  const core::Time now = clock_.Now();
  const int room = Room(now);
  absl::StatusOr<std::vector<Prepared>> prepared = Prepare(now, room, /*list=*/false);
  if (!prepared.ok()) {
    spdlog::warn("msg=\"dispatching failed; will retry\" channel={} error=\"{}\"",
                 core::Name(channel_), prepared.status().ToString());
    return options_.retry_wait;
  }
  // A full batch: more may be due.
  const bool full = room > 0 && static_cast<int>(prepared->size()) == room;
  // One transaction: what ended, and what goes next. Its commit wakes the worker.
  SettleAsync(*std::move(prepared));
  {
    std::lock_guard lock(mu_);
    if (in_flight_ > 0 || settling_ > 0) {
      if (full && concurrency() - in_flight_ - claiming_ > 0) return std::chrono::milliseconds(0);
      // Answers wake the worker as slots free up; the others are recorded soon.
      return results_.empty() ? options_.idle_wait : options_.record_wait;
    }
    if (!results_.empty() || full) return std::chrono::milliseconds(0);
  }
  // Sleep until the next one is due, a token or the breaker allows, or a wake-up.
  std::chrono::milliseconds wait = options_.idle_wait;
  absl::StatusOr<std::optional<core::Time>> next = store_.NextDispatchTime({channel_});
  if (next.ok() && next->has_value()) {
    core::Time at = **next;
    {
      std::lock_guard lock(mu_);
      at = std::max({at, breaker_.open_until(), bucket_.NextToken(now)});
    }
    wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(at - now),
                      std::chrono::milliseconds(1), wait);
  }
  std::lock_guard lock(mu_);
  next_list_ = std::min(next_list_, now + wait);  // what falls due is listed then
  return wait;
}

}  // namespace herald::dispatch
