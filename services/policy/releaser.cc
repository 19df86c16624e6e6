#include "services/policy/releaser.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>

#include "services/core/strings.h"

namespace herald::policy {

Releaser::Releaser(store::DeferralStore& store, store::EventStore& events,
                   store::TemplateCatalog& templates, Decider& decider, EventReader read_event,
                   const core::Clock& clock, prometheus::Registry& registry, Options options)
    : store_(store),
      events_(events),
      templates_(templates),
      decider_(decider),
      read_event_(std::move(read_event)),
      clock_(clock),
      options_(options),
      deferred_(prometheus::BuildGauge()
                    .Name("herald_notifications_deferred")
                    .Help("Notifications deferred by the contact policy, waiting for their time")
                    .Register(registry)
                    .Add({})),
      next_gauge_update_(std::chrono::steady_clock::now()),
      worker_("releaser", [this] { return Pass(); }) {}

absl::StatusOr<int> Releaser::RunOnce() {
  absl::StatusOr<std::vector<core::Notification>> due =
      store_.ListDueDecisions(clock_.Now(), options_.max_batch, Owned());
  if (!due.ok()) return due.status();
  if (due->empty()) return 0;

  // The events (once each) and templates the batch needs.
  std::vector<int64_t> event_seqs;
  std::map<int64_t, size_t> event_index;
  for (const core::Notification& n : *due) {
    if (event_index.emplace(n.event_seq, event_seqs.size()).second) {
      event_seqs.push_back(n.event_seq);
    }
  }
  absl::StatusOr<std::vector<std::optional<store::EventRecord>>> records =
      events_.GetEventsBySeq(event_seqs);
  if (!records.ok()) return records.status();
  std::vector<core::Event> events(event_seqs.size());
  for (size_t i = 0; i < event_seqs.size(); ++i) {
    absl::StatusOr<core::Event> event =
        (*records)[i] ? read_event_(*(*records)[i])
                      : absl::StatusOr<core::Event>(absl::NotFoundError("the event is not stored"));
    if (event.ok()) {
      events[i] = *std::move(event);
      continue;
    }
    // Decided on what the notification says (no contact overrides, no subject)
    // rather than holding up every other decision.
    const core::Notification& n = *std::find_if(
        due->begin(), due->end(), [&](const auto& d) { return d.event_seq == event_seqs[i]; });
    spdlog::error("msg=\"stored event unreadable\" event_id={} error=\"{}\"", n.event_id,
                  event.status().ToString());
    events[i].event_id = n.event_id;
    events[i].event_type = n.event_type;
  }
  absl::StatusOr<std::shared_ptr<const store::TemplateCatalog::View>> catalog =
      templates_.Refresh();
  if (!catalog.ok()) return catalog.status();

  struct Was {
    core::NotificationState state;
    core::Time update_time;
  };
  std::vector<Was> was;
  std::vector<std::shared_ptr<const core::Template>> held;  // keeps the templates alive
  std::vector<Decider::Work> work;
  was.reserve(due->size());
  work.reserve(due->size());
  for (core::Notification& n : *due) {
    was.push_back({n.state, n.update_time});
    std::shared_ptr<const core::Template> tmpl;
    if (!n.template_name.empty()) {
      absl::StatusOr<std::shared_ptr<const core::Template>> active =
          (*catalog)->Active(n.template_name);
      if (!active.ok()) return active.status();
      tmpl = *std::move(active);
    }
    work.push_back({&n, &events[event_index.at(n.event_seq)], tmpl.get()});
    held.push_back(std::move(tmpl));
  }
  absl::StatusOr<Decider::Batch> batch = decider_.Decide(work);
  if (!batch.ok()) return batch.status();

  std::vector<store::DecisionUpdate> updates;
  updates.reserve(due->size());
  for (size_t i = 0; i < due->size(); ++i) {
    const core::Notification& n = (*due)[i];
    store::DecisionUpdate u;
    u.notification_seq = n.seq;
    u.notification_id = n.notification_id;
    u.customer_id = n.customer_id;
    u.expected_state = was[i].state;
    u.expected_update_time = was[i].update_time;
    u.state = n.state;
    u.decision = *n.decision;
    u.template_version = n.template_version;
    u.category = n.category;
    u.channel = n.channel;
    u.fallback_channels = n.fallback_channels;
    u.send_time = n.send_time;
    updates.push_back(std::move(u));
  }
  absl::StatusOr<std::vector<bool>> applied = store_.RecordDecisions(updates, batch->decided_on());
  if (!applied.ok()) return applied.status();
  batch->Recorded(*applied);
  int decided = 0;
  bool queued = false;
  for (size_t i = 0; i < updates.size(); ++i) {
    if (!(*applied)[i]) continue;  // changed meanwhile, or its customer decided elsewhere
    ++decided;
    queued = queued || updates[i].state == core::NotificationState::kQueued;
    spdlog::debug("msg=\"decided again\" notification_id={} trace_id={} outcome={} reason={}",
                  updates[i].notification_id, (*due)[i].trace_id.hex(),
                  core::Name(updates[i].decision.outcome), core::Name(updates[i].decision.reason));
  }
  if (queued && on_queued_) on_queued_();
  return decided;
}

std::optional<core::OwnedPartitions> Releaser::Owned() const {
  if (options_.ownership == nullptr) return std::nullopt;
  return options_.ownership->Owned();
}

std::chrono::milliseconds Releaser::Pass() {
  absl::StatusOr<int> decided = RunOnce();
  if (!decided.ok()) {
    spdlog::warn("msg=\"deciding deferred notifications failed; will retry\" error=\"{}\"",
                 decided.status().ToString());
    return options_.retry_wait;
  }
  if (*decided >= options_.max_batch) return std::chrono::milliseconds(0);  // more may wait
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_gauge_update_) {  // a count over every deferred row: not every pass
    next_gauge_update_ = now + std::chrono::seconds(10);
    absl::StatusOr<int64_t> deferred = store_.CountDeferred();
    if (deferred.ok()) deferred_.Set(static_cast<double>(*deferred));
  }
  std::chrono::milliseconds wait = options_.idle_wait;
  absl::StatusOr<std::optional<core::Time>> next = store_.NextDeferTime(Owned());
  if (next.ok() && next->has_value()) {
    const auto until_due = std::chrono::ceil<std::chrono::milliseconds>(**next - clock_.Now());
    wait = std::clamp(until_due, std::chrono::milliseconds(0), wait);
  }
  return wait;
}

}  // namespace herald::policy
