#include "services/api/preview_data.h"

#include "services/api/profile_mapping.h"
#include "services/api/status.h"
#include "services/compose/template_data.h"
#include "services/core/strings.h"

namespace herald::api {

absl::StatusOr<PreviewSubject> LoadPreviewSubject(const PreviewSources& sources,
                                                  std::string_view customer_id,
                                                  std::string_view event_id) {
  if (sources.profiles == nullptr || !sources.event) {
    return absl::UnimplementedError("previews with a real customer or event are not available");
  }
  PreviewSubject subject;
  if (!event_id.empty()) {
    if (event_id.size() > 256) return FieldError("event_id", "is longer than 256 characters");
    absl::StatusOr<v1::Event> event = sources.event(event_id);
    if (absl::IsNotFound(event.status())) {
      return absl::NotFoundError(core::StrCat("event_id: no event \"", event_id, "\" is stored"));
    }
    if (!event.ok()) return event.status();
    subject.event = *std::move(event);
  }
  subject.customer_id =
      customer_id.empty() ? subject.event.customer_id() : std::string(customer_id);
  if (subject.customer_id.empty()) return subject;  // an audience's event, no one named
  if (!customer_id.empty()) {
    absl::Status valid = ValidateCustomerId(customer_id, "customer_id");
    if (!valid.ok()) return valid;
  }
  absl::StatusOr<core::Profile> profile = sources.profiles->GetProfile(subject.customer_id);
  if (profile.ok()) {
    subject.profile = *std::move(profile);
  } else if (!absl::IsNotFound(profile.status())) {
    return profile.status();
  } else if (event_id.empty()) {
    // Without an event there is nothing else to show of them.
    return absl::NotFoundError(
        core::StrCat("customer_id: customer \"", subject.customer_id, "\" has no profile"));
  }
  return subject;
}

absl::StatusOr<compose::Value> PreviewData(const PreviewSources& sources,
                                           const PreviewSubject& subject, std::string_view locale,
                                           std::string_view customer_locale) {
  const core::Profile* profile = subject.profile ? &*subject.profile : nullptr;
  const std::string_view zone = profile != nullptr && !profile->time_zone.empty()
                                    ? std::string_view(profile->time_zone)
                                    : std::string_view(sources.default_time_zone);
  const compose::Reader reader{.locale = locale,
                               .time_zone = zone,
                               .customer_id = subject.customer_id,
                               .customer_locale = customer_locale,
                               .preferences_url = sources.preferences_url};
  return compose::BuildTemplateData(subject.event, profile, reader);
}

}  // namespace herald::api
