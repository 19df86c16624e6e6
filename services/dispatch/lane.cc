#include "services/dispatch/lane.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "services/core/strings.h"
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
      store_(store),
      renderer_(renderer),
      clock_(clock),
      metrics_(std::move(metrics)),
      options_(std::move(options)),
      bucket_(policy.rate_per_second, policy.burst, clock.Now()),
      breaker_(policy.breaker_failures, policy.breaker_open_for),
      jitter_(jitter_seed),
      worker_(core::StrCat("dispatch-", core::Name(channel)), [this] { return Pass(); }) {}

void Lane::Start() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !senders_.empty()) return;
    for (int i = 0; i < std::max(1, policy_.concurrency); ++i) {
      senders_.emplace_back([this] { SenderLoop(); });
    }
  }
  worker_.Start();
}

void Lane::Stop() {
  worker_.Stop();
  std::vector<std::thread> senders;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    senders.swap(senders_);
  }
  senders_cv_.notify_all();
  for (std::thread& t : senders) t.join();
  absl::Status recorded = Record();
  if (!recorded.ok()) {
    spdlog::warn("msg=\"hand-off results not recorded at stop\" channel={} error=\"{}\"",
                 core::Name(channel_), recorded.ToString());
  }
}

absl::Status Lane::Record() {
  std::vector<store::AttemptUpdate> results;
  {
    std::lock_guard lock(mu_);
    results.swap(results_);
  }
  if (results.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<bool>> applied = store_.RecordAttempts(results);
  std::lock_guard lock(mu_);
  if (!applied.ok()) {
    spdlog::error("msg=\"cannot record hand-offs; kept to record again\" count={} error=\"{}\"",
                  results.size(), applied.status().ToString());
    results_.insert(results_.begin(), std::make_move_iterator(results.begin()),
                    std::make_move_iterator(results.end()));
    return applied.status();
  }
  for (const store::AttemptUpdate& u : results) taken_.erase(u.notification_seq);
  return absl::OkStatus();
}

int Lane::Room(core::Time now) {
  std::lock_guard lock(mu_);
  metrics_.breaker_open->Set(breaker_.IsOpen(now) ? 1 : 0);
  if (!breaker_.Allows(now) || !results_.empty()) return 0;  // record first
  const int free = std::max(1, policy_.concurrency) - sending_ - static_cast<int>(prepared_.size());
  return std::min({free, bucket_.Available(now), options_.max_batch});
}

absl::StatusOr<int> Lane::Prepare(core::Time now, int room) {
  if (room <= 0) return 0;
  size_t taken = 0;
  {
    std::lock_guard lock(mu_);
    taken = taken_.size();
  }
  absl::StatusOr<std::vector<core::Notification>> due =
      store_.ListDue(now, channel_, room + static_cast<int>(taken));
  if (!due.ok()) return due.status();
  std::vector<const core::Notification*> fresh;
  {
    std::lock_guard lock(mu_);
    for (const core::Notification& n : *due) {
      if (static_cast<int>(fresh.size()) >= room) break;
      if (!taken_.contains(n.seq)) fresh.push_back(&n);
    }
  }
  if (fresh.empty()) return 0;
  std::vector<absl::StatusOr<core::RenderedMessage>> messages = renderer_.Render(fresh, now);
  int prepared = 0;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < fresh.size(); ++i) {
      const core::Notification& n = *fresh[i];
      taken_.insert(n.seq);
      if (!messages[i].ok()) {
        spdlog::warn("msg=\"not rendered\" notification_id={} channel={} error=\"{}\"",
                     n.notification_id, core::Name(channel_), messages[i].status().ToString());
        metrics_.render_failures->Increment();
        results_.push_back(
            RenderFailure(n, std::string(core::ToStd(messages[i].status().message())), now));
        continue;
      }
      prepared_.push_back({n, *std::move(messages[i])});
      ++prepared;
    }
    bucket_.Take(prepared);
  }
  senders_cv_.notify_all();
  return prepared;
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
  if (channel_ == core::Channel::kEmail && WantsUnsubscribe(n) &&
      !options_.unsubscribe_base_url.empty()) {
    d.unsubscribe_url = core::StrCat(options_.unsubscribe_base_url, "/", d.notification_id);
  }
  return d;
}

void Lane::HandOff(Prepared& p, bool claimed) {
  core::Notification& n = p.notification;
  if (!claimed) {  // changed meanwhile (or the claim failed): listed again if still due
    std::lock_guard lock(mu_);
    taken_.erase(n.seq);
    return;
  }
  if (n.attempt_count == 0 && n.send_time) {
    metrics_.decision_to_hand_off->Observe(
        std::chrono::duration<double>(clock_.Now() - *n.send_time).count());
  }
  ++n.attempt_count;
  connectors::SendResult r;
  if (p.message.address.empty()) {
    r.outcome = connectors::SendOutcome::kPermanent;
    r.detail = core::StrCat("no ", core::Name(channel_), " address was rendered");
  } else {
    r = connector_.Send(DeliveryOf(p));
  }
  const core::Time end = clock_.Now();
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
  spdlog::debug("msg=\"handed off\" notification_id={} channel={} result={} detail=\"{}\"",
                u.notification_id, core::Name(channel_), core::Name(u.result), u.detail);
  results_.push_back(std::move(u));
}

absl::StatusOr<int> Lane::RunOnce() {
  absl::Status recorded = Record();
  if (!recorded.ok()) return recorded;
  const core::Time now = clock_.Now();
  absl::StatusOr<int> prepared = Prepare(now, Room(now));
  if (!prepared.ok()) return prepared.status();
  std::deque<Prepared> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(prepared_);
  }
  if (!batch.empty()) {
    std::vector<store::Claim> claims;
    for (const Prepared& p : batch) {
      claims.push_back({p.notification.seq, p.notification.notification_id,
                        p.notification.attempt_count, now, p.message});
    }
    absl::StatusOr<std::vector<bool>> claimed = store_.Claim(claims);
    for (size_t i = 0; i < batch.size(); ++i) {
      HandOff(batch[i], claimed.ok() && (*claimed)[i]);
    }
    if (!claimed.ok()) return claimed.status();
  }
  recorded = Record();
  if (!recorded.ok()) return recorded;
  return static_cast<int>(batch.size());
}

void Lane::SenderLoop() {
  while (true) {
    Prepared p;
    {
      std::unique_lock lock(mu_);
      senders_cv_.wait(lock, [this] { return stopping_ || !prepared_.empty(); });
      if (stopping_) return;  // what is prepared stays QUEUED in the store
      p = std::move(prepared_.front());
      prepared_.pop_front();
      ++sending_;
    }
    // Claimed one at a time, just before its hand-off; the store commits the claims of
    // every sender that asks meanwhile together.
    const core::Notification& n = p.notification;
    absl::StatusOr<std::vector<bool>> claimed =
        store_.Claim({{n.seq, n.notification_id, n.attempt_count, clock_.Now(), p.message}});
    if (!claimed.ok()) {
      spdlog::warn("msg=\"claim failed; will retry\" notification_id={} error=\"{}\"",
                   n.notification_id, claimed.status().ToString());
    }
    HandOff(p, claimed.ok() && (*claimed)[0]);
    {
      std::lock_guard lock(mu_);
      --sending_;
    }
    worker_.Wake();
  }
}

std::chrono::milliseconds Lane::Pass() {
  if (absl::Status recorded = Record(); !recorded.ok()) return options_.retry_wait;
  const core::Time now = clock_.Now();
  absl::StatusOr<int> prepared = Prepare(now, Room(now));
  if (!prepared.ok()) {
    spdlog::warn("msg=\"dispatching failed; will retry\" channel={} error=\"{}\"",
                 core::Name(channel_), prepared.status().ToString());
    return options_.retry_wait;
  }
  {
    std::lock_guard lock(mu_);
    if (!results_.empty()) return std::chrono::milliseconds(0);
    // Busy: the senders wake the worker as each hand-off ends.
    if (*prepared > 0 || sending_ > 0 || !prepared_.empty()) return options_.idle_wait;
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
  return wait;
}

}  // namespace herald::dispatch
