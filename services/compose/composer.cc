#include "services/compose/composer.h"

#include <unordered_set>

#include "services/compose/compose.h"
#include "services/core/strings.h"

namespace herald::compose {

Composer::Composer(store::EventStore& events, store::ProfileStore& profiles,
                   store::TemplateCatalog& templates, EventReader read_event, Options options)
    : events_(events),
      profiles_(profiles),
      templates_(templates),
      read_event_(std::move(read_event)),
      options_(std::move(options)) {}

void Composer::Accepted(int64_t event_seq, std::shared_ptr<const v1::Event> message) {
  std::lock_guard lock(mu_);
  Keep(event_seq, std::move(message));
}

/// A hint: the event as intake decoded it.
struct Composer::Decided final : dispatch::RenderHint {
  explicit Decided(std::shared_ptr<Kept> e) : event(std::move(e)) {}
  std::shared_ptr<Kept> event;
};

std::shared_ptr<const dispatch::RenderHint> Composer::Hint(int64_t event_seq) {
  std::shared_ptr<Kept> event;
  {
    std::lock_guard lock(mu_);
    auto it = kept_.find(event_seq);
    if (it == kept_.end()) return nullptr;
    event = it->second;
  }
  return std::make_shared<const Decided>(std::move(event));
}

std::shared_ptr<Composer::Kept> Composer::Keep(int64_t seq,
                                               std::shared_ptr<const v1::Event> message) {
  auto [it, added] = kept_.try_emplace(seq, nullptr);
  if (!added) return it->second;
  it->second = std::make_shared<Kept>(std::move(message));
  std::shared_ptr<Kept> kept = it->second;
  kept_order_.push_back(seq);
  while (kept_order_.size() > options_.events_kept) {
    kept_.erase(kept_order_.front());
    kept_order_.pop_front();
  }
  return kept;
}

std::unordered_map<int64_t, absl::StatusOr<std::shared_ptr<Composer::Kept>>> Composer::Events(
    const std::vector<int64_t>& seqs) {
  std::unordered_map<int64_t, absl::StatusOr<std::shared_ptr<Kept>>> out;
  std::vector<int64_t> missing;
  {
    std::lock_guard lock(mu_);
    for (int64_t seq : seqs) {
      auto it = kept_.find(seq);
      if (it != kept_.end()) {
        out.emplace(seq, it->second);
      } else {
        missing.push_back(seq);
      }
    }
  }
  if (missing.empty()) return out;
  absl::StatusOr<std::vector<std::optional<store::EventRecord>>> records =
      events_.GetEventsBySeq(missing);
  for (size_t i = 0; i < missing.size(); ++i) {
    if (!records.ok()) {
      out.emplace(missing[i], records.status());
      continue;
    }
    const std::optional<store::EventRecord>& record = (*records)[i];
    if (!record) {
      out.emplace(missing[i], absl::NotFoundError("the event is not stored"));
      continue;
    }
    absl::StatusOr<v1::Event> message = read_event_(*record);
    if (!message.ok()) {
      out.emplace(missing[i], message.status());
      continue;
    }
    auto shared = std::make_shared<const v1::Event>(*std::move(message));
    std::lock_guard lock(mu_);
    out.emplace(missing[i], Keep(missing[i], std::move(shared)));
  }
  return out;
}

std::vector<absl::StatusOr<core::RenderedMessage>> Composer::Render(
    const std::vector<dispatch::RenderInput>& inputs, core::Time now) {
  std::vector<absl::StatusOr<core::RenderedMessage>> out;
  out.reserve(inputs.size());
  auto fail_all = [&](const absl::Status& status) {
    out.assign(inputs.size(), status);
    return out;
  };
  // The events the hints do not hold, and every customer's profile (current: a
  // change since the decision counts), are read once each.
  std::vector<const Decided*> hints(inputs.size(), nullptr);
  std::vector<int64_t> seqs;
  std::vector<std::string> customers;
  std::unordered_set<int64_t> seen_events;
  std::unordered_set<std::string> seen_customers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const core::Notification* n = inputs[i].notification;
    if (seen_customers.insert(n->customer_id).second) customers.push_back(n->customer_id);
    hints[i] = dynamic_cast<const Decided*>(inputs[i].hint);
    if (hints[i] == nullptr && seen_events.insert(n->event_seq).second) {
      seqs.push_back(n->event_seq);
    }
  }
  auto events = Events(seqs);
  absl::StatusOr<std::vector<std::optional<core::Profile>>> profiles =
      profiles_.GetProfiles(customers);
  if (!profiles.ok()) return fail_all(profiles.status());
  std::unordered_map<std::string, const core::Profile*> profile_of;
  for (size_t i = 0; i < customers.size(); ++i) {
    profile_of.emplace(customers[i], (*profiles)[i] ? &*(*profiles)[i] : nullptr);
  }
  absl::StatusOr<std::shared_ptr<const store::TemplateCatalog::View>> catalog =
      templates_.Refresh();
  if (!catalog.ok()) return fail_all(catalog.status());
  const std::map<std::string, std::string>& snippets = *(*catalog)->snippets();

  for (size_t i = 0; i < inputs.size(); ++i) {
    const core::Notification* n = inputs[i].notification;
    Kept* kept = nullptr;
    if (hints[i] != nullptr) {
      kept = hints[i]->event.get();
    } else {
      const absl::StatusOr<std::shared_ptr<Kept>>& event = events.at(n->event_seq);
      if (!event.ok() && dispatch::RenderLater(event.status())) {
        out.push_back(event.status());  // the store did not answer: later
        continue;
      }
      if (!event.ok()) {
        out.push_back(absl::FailedPreconditionError(core::StrCat(
            "the stored event cannot be read: ", core::ToStd(event.status().message()))));
        continue;
      }
      kept = event->get();
    }
    const core::Profile* profile = profile_of.at(n->customer_id);
    if (n->template_name.empty()) {
      out.push_back(absl::FailedPreconditionError("no template"));
      continue;
    }
    absl::StatusOr<std::shared_ptr<const core::Template>> tmpl =
        templates_.Version(n->template_name, n->template_version);
    if (!tmpl.ok()) {
      out.push_back(tmpl.status());
      continue;
    }
    const std::string_view zone = profile != nullptr && !profile->time_zone.empty()
                                      ? std::string_view(profile->time_zone)
                                      : std::string_view(options_.default_time_zone);
    const std::string preferences_url =
        options_.preferences_url ? options_.preferences_url(n->customer_id, now) : std::string();
    const ComposeRequest request{.tmpl = tmpl->get(),
                                 .event = kept->message.get(),
                                 .profile = profile,
                                 .customer_id = n->customer_id,
                                 .locale = CustomerLocale(*kept->message, profile),
                                 .time_zone = zone,
                                 .preferences_url = preferences_url,
                                 .snippets = &snippets,
                                 .default_max_sms_segments = options_.default_max_sms_segments,
                                 .now = now,
                                 .templates = &compiled_,
                                 .event_data = &kept->data};
    std::lock_guard lock(kept->mu);
    std::vector<ChannelMessage> messages = ComposeMessages(request, {*n->channel});
    out.push_back(std::move(messages.front().message));
  }
  return out;
}

}  // namespace herald::compose
