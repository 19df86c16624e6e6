#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/compose/template_cache.h"
#include "services/compose/template_data.h"
#include "services/core/notification.h"
#include "services/core/profile.h"
#include "services/core/template.h"

namespace herald::compose {

/// Everything a notification's messages are rendered from.
struct ComposeRequest {
  const core::Template* tmpl = nullptr;
  const v1::Event* event = nullptr;
  const core::Profile* profile = nullptr;  // null: the customer has no profile
  std::string_view customer_id;
  /// The customer's locale (event override, then profile); empty: the template's
  /// default.
  std::string_view locale;
  /// The customer's zone, for dates and times.
  std::string_view time_zone;
  /// The customer's preference-centre link; empty: none.
  std::string_view preferences_url = {};
  /// Stored snippets by name: the partials templates include.
  const std::map<std::string, std::string>* snippets = nullptr;
  /// For templates that set no maximum of their own.
  int default_max_sms_segments = 0;
  core::Time now;
  /// Compiled templates and snippets; null: TemplateCache::Shared().
  TemplateCache* templates = nullptr;
  /// The data of `event`, shared by every customer it reaches; null: built for this
  /// request alone.
  EventDataCache* event_data = nullptr;
};

/// One channel's message, or why it cannot be rendered.
struct ChannelMessage {
  core::Channel channel = core::Channel::kEmail;
  absl::StatusOr<core::RenderedMessage> message;
};

/// Renders the notification for each channel, in order, from the content of the
/// customer's locale (nl-BE, then nl, then the template's default). A channel fails
/// when the content has nothing for it, a partial is not a stored snippet, a value
/// does not format, or an SMS takes more segments than the template allows.
std::vector<ChannelMessage> ComposeMessages(const ComposeRequest& request,
                                            const std::vector<core::Channel>& channels);

/// The customer's locale for a message: the event's override, then the profile's.
std::string_view CustomerLocale(const v1::Event& event, const core::Profile* profile);

}  // namespace herald::compose
