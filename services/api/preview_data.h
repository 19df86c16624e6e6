#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/compose/value.h"
#include "services/core/profile.h"
#include "services/store/store.h"

namespace herald::api {

/// Where a preview finds a real customer and a stored event (heraldd gives its store
/// and intake's reading of stored events).
struct PreviewSources {
  store::ProfileStore* profiles = nullptr;
  /// The stored event with this id, as received; NOT_FOUND when there is none.
  std::function<absl::StatusOr<v1::Event>(std::string_view event_id)> event = {};
  /// For customers whose profile sets no zone.
  std::string default_time_zone = "UTC";
  /// What {{preferences_url}} shows in a preview: an example, never a working link
  /// (an editor must not get one to a customer's page); empty: absent.
  std::string preferences_url = {};
};

/// The customer and event a preview renders for.
struct PreviewSubject {
  v1::Event event = {};  // empty when no event was named
  std::string customer_id = {};
  std::optional<core::Profile> profile = {};
};

/// The customer (customer_id, else the event's) and the stored event (event_id) of a
/// PreviewTemplateRequest. NOT_FOUND naming the field for an event that is not stored,
/// or a customer named alone who has no profile; INVALID_ARGUMENT for a malformed id.
absl::StatusOr<PreviewSubject> LoadPreviewSubject(const PreviewSources& sources,
                                                  std::string_view customer_id,
                                                  std::string_view event_id);

/// The data the template sees when sending the event to the customer, formatted in
/// `locale` (the content's, or the customer's when it shares the content's language).
absl::StatusOr<compose::Value> PreviewData(const PreviewSources& sources,
                                           const PreviewSubject& subject, std::string_view locale,
                                           std::string_view customer_locale);

}  // namespace herald::api
