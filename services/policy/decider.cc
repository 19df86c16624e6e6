#include "services/policy/decider.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace herald::policy {
namespace {

core::NotificationState StateFor(const core::Decision& decision) {
  switch (decision.outcome) {
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

Decider::Batch::Batch(Batch&& other) noexcept
    : decider_(other.decider_),
      id_(other.id_),
      without_profile_(std::move(other.without_profile_)),
      decided_on_(std::move(other.decided_on_)) {
  other.decider_ = nullptr;
}

Decider::Batch::~Batch() {
  if (decider_ != nullptr) decider_->Release(id_);
}

void Decider::Batch::Recorded(const std::vector<bool>& applied) {
  if (decider_ != nullptr) decider_->Count(id_, applied);
}

Decider::Decider(store::ContactHistoryStore& store, PolicyConfig config, const core::Clock& clock,
                 prometheus::Registry& registry, Options options)
    : store_(store),
      config_(std::make_shared<const PolicyConfig>(std::move(config))),
      config_version_(options.config_version),
      clock_(clock),
      options_(std::move(options)),
      decisions_(prometheus::BuildCounter()
                     .Name("herald_decisions_total")
                     .Help("Contact-policy decisions, by outcome and reason")
                     .Register(registry)) {}

std::chrono::seconds Decider::HistoryWindow(const PolicyConfig& config) {
  std::chrono::seconds longest = config.duplicate_window;
  for (const auto& [category, p] : config.categories) {
    if (p.cap) longest = std::max(longest, p.cap->window);
  }
  if (config.global_cap) longest = std::max(longest, config.global_cap->window);
  return longest;
}

void Decider::SetConfig(PolicyConfig config, std::string version) {
  auto rules = std::make_shared<const PolicyConfig>(std::move(config));
  std::lock_guard lock(mu_);
  config_ = std::move(rules);
  config_version_ = std::move(version);
}

std::pair<std::shared_ptr<const PolicyConfig>, std::string> Decider::config() const {
  std::lock_guard lock(mu_);
  return {config_, config_version_};
}

void Decider::See(const core::Notification& n, std::vector<core::Notification>& history) {
  std::erase_if(
      history, [&](const core::Notification& h) { return h.notification_id == n.notification_id; });
  if (!CountsAsSent(n.state)) return;  // deferred, suppressed: not counted
  core::Notification seen;
  seen.seq = n.seq;
  seen.notification_id = n.notification_id;
  seen.event_id = n.event_id;
  seen.customer_id = n.customer_id;
  seen.event_type = n.event_type;
  seen.template_name = n.template_name;
  seen.subject = n.subject;
  seen.category = n.category;
  seen.state = n.state;
  seen.send_time = n.send_time;
  seen.create_time = n.create_time;
  seen.update_time = n.update_time;
  history.push_back(std::move(seen));
}

absl::StatusOr<Decider::Batch> Decider::Decide(std::span<const Work> work) {
  std::lock_guard lock(mu_);
  const core::Time now = clock_.Now();
  // The rules of the whole batch, whatever a reload does meanwhile.
  const std::shared_ptr<const PolicyConfig> config = config_;
  const std::string version = config_version_;
  std::vector<std::string> customers;
  std::unordered_map<std::string, size_t> customer_index;
  for (const Work& w : work) {
    if (customer_index.emplace(w.notification->customer_id, customers.size()).second) {
      customers.push_back(w.notification->customer_id);
    }
  }
  absl::StatusOr<std::vector<store::CustomerContext>> contexts =
      store_.LoadCustomerContexts(customers, now - HistoryWindow(*config),
                                  options_.complaint_event_type, now - config->complaint_cooldown);
  if (!contexts.ok()) return contexts.status();
  // Decided but perhaps not in the store yet: caps count them all the same, and the
  // versions they will leave are what this batch is decided on (whether or not the
  // read saw them recorded).
  std::vector<int64_t> versions(customers.size());
  for (size_t i = 0; i < customers.size(); ++i) versions[i] = (*contexts)[i].version;
  for (const auto& [id, decided] : in_flight_) {
    for (const core::Notification& n : decided.notifications) {
      auto at = customer_index.find(n.customer_id);
      if (at != customer_index.end()) See(n, (*contexts)[at->second].history);
    }
    for (const auto& [customer, next] : decided.next_versions) {
      auto at = customer_index.find(customer);
      if (at != customer_index.end()) versions[at->second] = std::max(versions[at->second], next);
    }
  }

  const core::PauseBoard::Pauses pauses =
      options_.pauses != nullptr ? options_.pauses->Current() : nullptr;
  const uint64_t id = next_batch_++;
  Decided& decided = in_flight_[id];
  decided.notifications.reserve(work.size());
  decided.outcomes.reserve(work.size());
  for (const Work& w : work) {
    core::Notification& n = *w.notification;
    store::CustomerContext& context = (*contexts)[customer_index.at(n.customer_id)];
    // A complaint in this very batch starts its cooldown for what follows it.
    if (n.event_type == options_.complaint_event_type &&
        std::none_of(context.events.begin(), context.events.end(),
                     [&](const auto& e) { return e.first == n.event_id; })) {
      context.events.emplace_back(n.event_id, w.event->occur_time);
    }
    PolicyInput input;
    input.notification = &n;
    input.event = w.event;
    input.tmpl = w.tmpl;
    input.profile = context.profile ? &*context.profile : nullptr;
    input.history = &context.history;
    for (const auto& [event_id, occur_time] : context.events) {
      input.complaints.push_back({event_id, occur_time});
    }
    input.pauses = pauses.get();
    input.now = now;
    PolicyResult result = policy::Decide(*config, input);
    result.decision.config_version = version;

    n.state = StateFor(result.decision);
    if (w.tmpl != nullptr) {
      n.template_version = w.tmpl->version;
      n.category = w.tmpl->category;
    }
    n.channel.reset();
    n.fallback_channels.clear();
    if (!result.channels.empty()) {
      n.channel = result.channels.front();
      n.fallback_channels.assign(result.channels.begin() + 1, result.channels.end());
    }
    n.send_time.reset();
    if (n.state == core::NotificationState::kQueued) n.send_time = now;
    n.next_attempt_time = n.send_time;
    n.update_time = now;
    n.decision = std::move(result.decision);
    // Later ones of this batch see it (below), and later batches until it is released.
    decided.outcomes.emplace_back(n.decision->outcome, n.decision->reason);
    decided.notifications.emplace_back();
    See(n, context.history);
    if (!context.history.empty() && context.history.back().notification_id == n.notification_id) {
      decided.notifications.back() = context.history.back();
    } else {  // not counted: kept for its id only (it replaces a counted one)
      decided.notifications.back().notification_id = n.notification_id;
      decided.notifications.back().customer_id = n.customer_id;
      decided.notifications.back().state = n.state;
    }
  }
  Batch batch(this, id);
  batch.decided_on_.reserve(customers.size());
  for (size_t i = 0; i < customers.size(); ++i) {
    if (!(*contexts)[i].profile) batch.without_profile_.insert(customers[i]);
    batch.decided_on_.push_back({customers[i], versions[i]});
    decided.next_versions.emplace(customers[i], versions[i] + 1);
  }
  return batch;
}

void Decider::Count(uint64_t id, const std::vector<bool>& applied) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  std::map<Outcome, int> tally;
  const std::vector<Outcome>& outcomes = it->second.outcomes;
  for (size_t i = 0; i < outcomes.size() && i < applied.size(); ++i) {
    if (applied[i]) ++tally[outcomes[i]];
  }
  for (const auto& [outcome, count] : tally) {
    prometheus::Counter*& counter = counters_[outcome];
    if (counter == nullptr) {
      counter = &decisions_.Add({{"outcome", std::string(core::Name(outcome.first))},
                                 {"reason", std::string(core::Name(outcome.second))}});
    }
    counter->Increment(count);
  }
}

void Decider::Release(uint64_t id) {
  std::lock_guard lock(mu_);
  in_flight_.erase(id);
}

}  // namespace herald::policy
