#include "services/policy/decider.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "services/compose/compose.h"
#include "services/core/strings.h"

namespace herald::policy {
namespace {

core::NotificationState StateFor(const core::Decision& decision) {
  if (decision.reason == core::DecisionReason::kRenderFailed) {
    return core::NotificationState::kFailed;
  }
  const core::DecisionOutcome outcome = decision.outcome;
  switch (outcome) {
    case core::DecisionOutcome::kSend:
      return core::NotificationState::kQueued;
    case core::DecisionOutcome::kDefer:
      return core::NotificationState::kDeferred;
    case core::DecisionOutcome::kSuppress:
      return core::NotificationState::kSuppressed;
  }
  return core::NotificationState::kSuppressed;
}

}  // namespace

Decider::Decider(store::Store& store, PolicyConfig config, EventReader read_event,
                 const core::Clock& clock, prometheus::Registry& registry, Options options)
    : store_(store),
      config_(std::move(config)),
      read_event_(std::move(read_event)),
      clock_(clock),
      options_(std::move(options)),
      decisions_(prometheus::BuildCounter()
                     .Name("herald_decisions_total")
                     .Help("Contact-policy decisions, by outcome and reason")
                     .Register(registry)),
      deferred_(prometheus::BuildGauge()
                    .Name("herald_notifications_deferred")
                    .Help("Notifications deferred by the contact policy, waiting for their time")
                    .Register(registry)
                    .Add({})) {}

Decider::~Decider() { Stop(); }

std::chrono::seconds Decider::HistoryWindow() const {
  std::chrono::seconds longest = config_.duplicate_window;
  for (const auto& [category, p] : config_.categories) {
    if (p.cap) longest = std::max(longest, p.cap->window);
  }
  if (config_.global_cap) longest = std::max(longest, config_.global_cap->window);
  return longest;
}

absl::StatusOr<int> Decider::RunOnce() {
  absl::StatusOr<Batch> batch = DecideBatch();
  if (!batch.ok()) return batch.status();
  return RecordBatch(*batch);
}

absl::StatusOr<Decider::Batch> Decider::DecideBatch(const Batch* in_flight) {
  const core::Time now = clock_.Now();
  Batch batch;
  // What is in flight may still be due in the store: asked for that much more, and
  // skipped.
  std::unordered_set<std::string> taken;
  if (in_flight != nullptr) {
    for (const core::Notification& n : in_flight->work) taken.insert(n.notification_id);
  }
  absl::StatusOr<std::vector<core::Notification>> listed =
      store_.ListDecisionWork(now, options_.max_batch + static_cast<int>(taken.size()));
  if (!listed.ok()) return listed.status();
  for (core::Notification& n : *listed) {
    if (static_cast<int>(batch.work.size()) >= options_.max_batch) break;
    if (!taken.contains(n.notification_id)) batch.work.push_back(std::move(n));
  }
  if (batch.work.empty()) return batch;

  // What the batch needs, read once: events, templates, customers.
  std::unordered_map<std::string, std::shared_ptr<const ingest::StoredEvent>> events;
  std::unordered_map<std::string, absl::Status> unreadable;  // by event id
  std::map<std::string, std::unique_ptr<core::Template>> templates;
  std::vector<std::string> customers;
  std::unordered_map<std::string, size_t> customer_index;
  std::vector<const core::Notification*> first_of_event;
  for (const core::Notification& n : batch.work) {
    if (!events.emplace(n.event_id, nullptr).second) continue;
    auto cached = std::find_if(audience_events_.begin(), audience_events_.end(),
                               [&](const auto& e) { return e->event.event_id == n.event_id; });
    if (cached != audience_events_.end()) {
      events[n.event_id] = *cached;
    } else {
      first_of_event.push_back(&n);
    }
  }
  std::vector<std::string> event_ids;
  for (const core::Notification* n : first_of_event) event_ids.push_back(n->event_id);
  absl::StatusOr<std::vector<std::optional<store::EventRecord>>> records =
      store_.GetEvents(event_ids);
  if (!records.ok()) return records.status();
  for (size_t i = 0; i < first_of_event.size(); ++i) {
    const core::Notification& n = *first_of_event[i];
    const std::optional<store::EventRecord>& record = (*records)[i];
    absl::StatusOr<ingest::StoredEvent> event =
        record
            ? read_event_(*record)
            : absl::StatusOr<ingest::StoredEvent>(absl::NotFoundError("the event is not stored"));
    if (!event.ok()) {
      // Decided on what the notification row says (no contact overrides, no subject)
      // rather than holding up every other decision.
      spdlog::error("msg=\"stored event unreadable\" event_id={} error=\"{}\"", n.event_id,
                    event.status().ToString());
      unreadable.emplace(n.event_id, event.status());
      ingest::StoredEvent minimal;
      minimal.event.event_id = n.event_id;
      minimal.event.event_type = n.event_type;
      minimal.message.set_event_id(n.event_id);
      minimal.message.set_event_type(n.event_type);
      minimal.message.set_customer_id(n.customer_id);
      event = std::move(minimal);
    }
    auto stored = std::make_shared<const ingest::StoredEvent>(*std::move(event));
    if (stored->event.customer_ids.size() > 1 && !unreadable.contains(n.event_id)) {
      // An audience's notifications span many batches: decoded and checked once, not
      // again for every batch (a 100,000-customer outage took 200 decodes).
      if (audience_events_.size() >= kAudienceEventsKept) audience_events_.pop_front();
      audience_events_.push_back(stored);
    }
    events[n.event_id] = std::move(stored);
  }
  for (const core::Notification& n : batch.work) {
    if (!n.template_name.empty() && !templates.contains(n.template_name)) {
      absl::StatusOr<core::Template> t =
          store_.GetTemplate(n.template_name, store::TemplateStore::kActiveVersion);
      if (!t.ok() && !absl::IsNotFound(t.status())) return t.status();
      templates.emplace(n.template_name,
                        t.ok() ? std::make_unique<core::Template>(*std::move(t)) : nullptr);
    }
    if (customer_index.emplace(n.customer_id, customers.size()).second) {
      customers.push_back(n.customer_id);
    }
  }
  absl::StatusOr<std::vector<store::CustomerContext>> contexts =
      store_.LoadCustomerContexts(customers, now - HistoryWindow(), options_.complaint_event_type,
                                  now - config_.complaint_cooldown);
  if (!contexts.ok()) return contexts.status();
  if (in_flight != nullptr) {
    // Its decisions may not be in what was just read: caps see them all the same.
    for (size_t i = 0; i < in_flight->work.size(); ++i) {
      auto at = customer_index.find(in_flight->work[i].customer_id);
      if (at == customer_index.end()) continue;
      SeeDecision(in_flight->work[i], in_flight->updates[i], (*contexts)[at->second].history);
    }
  }
  absl::StatusOr<std::vector<core::Snippet>> stored_snippets = store_.ListSnippets();
  if (!stored_snippets.ok()) return stored_snippets.status();
  std::map<std::string, std::string> snippets;
  for (core::Snippet& snippet : *stored_snippets) {
    snippets.emplace(std::move(snippet.name), std::move(snippet.text));
  }

  std::vector<store::DecisionUpdate>& updates = batch.updates;
  updates.reserve(batch.work.size());
  for (const core::Notification& n : batch.work) {
    store::CustomerContext& context = (*contexts)[customer_index.at(n.customer_id)];
    PolicyInput input;
    input.notification = &n;
    const ingest::StoredEvent& event = *events.at(n.event_id);
    input.event = &event.event;
    input.tmpl = n.template_name.empty() ? nullptr : templates.at(n.template_name).get();
    input.profile = context.profile ? &*context.profile : nullptr;
    input.history = &context.history;
    for (const auto& [event_id, occur_time] : context.events) {
      input.complaints.push_back({event_id, occur_time});
    }
    input.now = now;
    PolicyResult result = Decide(config_, input);

    store::DecisionUpdate update;
    update.notification_id = n.notification_id;
    update.expected_state = n.state;
    update.expected_update_time = n.update_time;
    if (result.decision.outcome == core::DecisionOutcome::kSend && input.tmpl != nullptr) {
      auto broken = unreadable.find(n.event_id);
      Compose(n, event.message, broken == unreadable.end() ? absl::OkStatus() : broken->second,
              *input.tmpl, input.profile, snippets, now, result, update);
    }
    update.state = StateFor(result.decision);
    if (input.tmpl != nullptr) {
      update.template_version = input.tmpl->version;
      update.category = input.tmpl->category;
    } else {
      update.template_version = n.template_version;
      update.category = n.category;
    }
    if (!result.channels.empty()) {
      update.channel = result.channels.front();
      update.fallback_channels.assign(result.channels.begin() + 1, result.channels.end());
    }
    if (update.state == core::NotificationState::kQueued) update.send_time = now;
    update.decision = std::move(result.decision);

    // Later notifications of the same customer in this batch see this one.
    SeeDecision(n, update, context.history);
    updates.push_back(std::move(update));
  }
  return batch;
}

void Decider::SeeDecision(const core::Notification& n, const store::DecisionUpdate& update,
                          std::vector<core::Notification>& history) {
  std::erase_if(
      history, [&](const core::Notification& h) { return h.notification_id == n.notification_id; });
  if (update.state == core::NotificationState::kSuppressed ||
      update.state == core::NotificationState::kFailed) {
    return;  // not counted
  }
  core::Notification seen = n;
  seen.state = update.state;
  seen.category = update.category;
  seen.send_time = update.send_time;
  seen.update_time = update.decision.decide_time;
  history.push_back(std::move(seen));
}

absl::StatusOr<int> Decider::RecordBatch(const Batch& batch) {
  if (batch.work.empty()) return 0;
  const std::vector<store::DecisionUpdate>& updates = batch.updates;

  absl::StatusOr<std::vector<bool>> applied = store_.RecordDecisions(updates);
  if (!applied.ok()) return applied.status();
  std::map<std::pair<core::DecisionOutcome, core::DecisionReason>, int> tally;
  int decided = 0;
  bool queued = false;
  for (size_t i = 0; i < updates.size(); ++i) {
    if (!(*applied)[i]) continue;  // someone else changed it meanwhile
    ++decided;
    queued = queued || updates[i].state == core::NotificationState::kQueued;
    ++tally[{updates[i].decision.outcome, updates[i].decision.reason}];
    spdlog::debug(
        "msg=\"decided\" notification_id={} customer_id={} outcome={} reason={} rule=\"{}\"",
        updates[i].notification_id, batch.work[i].customer_id,
        core::Name(updates[i].decision.outcome), core::Name(updates[i].decision.reason),
        updates[i].decision.rule);
  }
  for (const auto& [key, count] : tally) {
    decisions_
        .Add({{"outcome", std::string(core::Name(key.first))},
              {"reason", std::string(core::Name(key.second))}})
        .Increment(count);
  }
  if (queued && on_queued_) on_queued_();
  return decided;
}

void Decider::Compose(const core::Notification& n, const v1::Event& event,
                      const absl::Status& event_read, const core::Template& tmpl,
                      const core::Profile* profile,
                      const std::map<std::string, std::string>& snippets, core::Time now,
                      PolicyResult& result, store::DecisionUpdate& update) const {
  const std::string_view zone = profile != nullptr && !profile->time_zone.empty()
                                    ? std::string_view(profile->time_zone)
                                    : std::string_view(config_.default_time_zone);
  const compose::ComposeRequest request{
      .tmpl = &tmpl,
      .event = &event,
      .profile = profile,
      .customer_id = n.customer_id,
      .locale = compose::CustomerLocale(event, profile),
      .time_zone = zone,
      .snippets = &snippets,
      .default_max_sms_segments = options_.default_max_sms_segments,
      .now = now};
  std::vector<core::Channel> rendered;
  std::string failures;
  std::vector<compose::ChannelMessage> messages;
  if (event_read.ok()) {
    messages = compose::ComposeMessages(request, result.channels);
  } else {  // without the payload every value would render as nothing
    for (core::Channel c : result.channels) {
      messages.push_back({c, absl::FailedPreconditionError(core::StrCat(
                                 "the stored event cannot be read: ", event_read.message()))});
    }
  }
  for (compose::ChannelMessage& c : messages) {
    if (c.message.ok()) {
      const core::RenderedMessage& m = *c.message;
      std::string detail =
          c.channel == core::Channel::kSms
              ? core::StrCat(core::Name(c.channel), " in ", m.locale, ": ", m.sms_segments,
                             m.sms_segments == 1 ? " segment " : " segments ", m.sms_encoding)
              : core::StrCat(core::Name(c.channel), " in ", m.locale, ": \"", m.subject, "\"");
      result.decision.evaluations.push_back({"render", true, std::move(detail)});
      rendered.push_back(c.channel);
      update.messages.push_back(*std::move(c.message));
    } else {
      std::string detail = core::StrCat(core::Name(c.channel), ": ", c.message.status().message());
      core::StrAppend(failures, failures.empty() ? "" : "; ", detail);
      result.decision.evaluations.push_back({"render", false, std::move(detail)});
    }
  }
  if (rendered.empty()) {
    spdlog::error(
        "msg=\"no channel rendered\" notification_id={} template={} version={} error=\"{}\"",
        n.notification_id, tmpl.name, tmpl.version, failures);
    result.decision.outcome = core::DecisionOutcome::kSuppress;
    result.decision.reason = core::DecisionReason::kRenderFailed;
    result.decision.rule = core::StrCat("render ", tmpl.name, " v", tmpl.version);
    result.decision.detail = core::StrCat("no channel's message could be rendered: ", failures);
    return;  // the channels stay, so the record shows what was tried
  }
  result.channels = std::move(rendered);
}

void Decider::Start() {
  std::lock_guard lock(mu_);
  if (worker_.joinable() || stopping_) return;
  worker_ = std::thread([this] { Loop(); });
}

void Decider::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Decider::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Decider::Loop() {
  auto next_gauge_update = std::chrono::steady_clock::now();
  // The batch being recorded while the next one is decided.
  std::unique_ptr<Batch> in_flight;
  std::future<absl::StatusOr<int>> recording;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      woken_ = false;
    }
    absl::StatusOr<Batch> next = DecideBatch(in_flight.get());
    int recorded = 0;
    if (in_flight != nullptr) {
      absl::StatusOr<int> done = recording.get();
      in_flight.reset();
      if (!done.ok()) {
        // `next` counted on it: decided again once the store is back.
        spdlog::warn("msg=\"recording decisions failed; will retry\" error=\"{}\"",
                     done.status().ToString());
        Sleep(options_.retry_wait);
        continue;
      }
      recorded = *done;
    }
    if (!next.ok()) {
      spdlog::warn("msg=\"deciding failed; will retry\" error=\"{}\"", next.status().ToString());
      Sleep(options_.retry_wait);
      continue;
    }
    if (!next->work.empty()) {
      in_flight = std::make_unique<Batch>(*std::move(next));
      try {
        recording = std::async(std::launch::async,
                               [this, batch = in_flight.get()] { return RecordBatch(*batch); });
      } catch (const std::system_error& e) {  // no thread to be had: recorded here
        spdlog::warn("msg=\"recording decisions on the worker\" error=\"{}\"", e.what());
        std::promise<absl::StatusOr<int>> done;
        done.set_value(RecordBatch(*in_flight));
        recording = done.get_future();
      }
      continue;
    }
    if (recorded >= options_.max_batch) continue;  // more may be waiting
    std::chrono::milliseconds wait = options_.idle_wait;
    absl::StatusOr<std::optional<core::Time>> due = store_.NextDeferTime();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_gauge_update) {  // a count over every deferred row: not every pass
      next_gauge_update = now + std::chrono::seconds(10);
      absl::StatusOr<int64_t> deferred =
          store_.CountNotifications({core::NotificationState::kDeferred});
      if (deferred.ok()) deferred_.Set(static_cast<double>(*deferred));
    }
    if (due.ok() && due->has_value()) {
      const auto until_due = std::chrono::ceil<std::chrono::milliseconds>(**due - clock_.Now());
      wait = std::clamp(until_due, std::chrono::milliseconds(0), wait);
    }
    Sleep(wait);
  }
  if (in_flight != nullptr) {
    absl::StatusOr<int> done = recording.get();
    if (!done.ok()) {
      spdlog::warn("msg=\"recording decisions failed at stop\" error=\"{}\"",
                   done.status().ToString());
    }
  }
}

void Decider::Sleep(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
}

}  // namespace herald::policy
