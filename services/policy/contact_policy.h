#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/core/decision.h"
#include "services/core/event.h"
#include "services/core/kinds.h"
#include "services/core/notification.h"
#include "services/core/pause.h"
#include "services/core/profile.h"
#include "services/core/template.h"
#include "services/policy/frequency_cap.h"

namespace herald::policy {

/// The defaults of one category of contact.
struct CategoryPolicy {
  /// True: allowed unless the customer refused (opt-out, e.g. order updates).
  /// False: only with the customer's explicit consent (opt-in, e.g. surveys, offers).
  bool consent_by_default = true;
  /// At most this many sends per rolling window; unset: no cap of its own.
  std::optional<Cap> cap;
  /// What happens to a message over a cap.
  OverCap over_cap = OverCap::kDefer;
};

/// The contact rules, from config. SECURITY is never capped, ignores quiet hours, and
/// cannot be refused as a whole (but the customer's channel choice is honoured).
struct PolicyConfig {
  std::map<core::Category, CategoryPolicy> categories;
  /// Across every category but SECURITY.
  std::optional<Cap> global_cap;
  /// For customers whose profile sets none; start == end: no quiet hours.
  core::QuietHours default_quiet_hours{21 * 60, 8 * 60};
  /// For customers without a profile (contact data from the event only).
  std::string default_time_zone = "UTC";
  /// When a profile names no preferred channels.
  std::vector<core::Channel> default_channels = {core::Channel::kEmail, core::Channel::kSms};
  /// After a complaint, these categories are held back for this long.
  std::chrono::seconds complaint_cooldown{std::chrono::hours(24 * 14)};
  std::vector<core::Category> complaint_categories = {core::Category::kSurvey,
                                                      core::Category::kInformational};
  /// The same template for the same event type and subject (e.g. "order 1234") let
  /// through again within this window is a duplicate; 0: only the event id
  /// deduplicates.
  std::chrono::seconds duplicate_window{std::chrono::hours(24 * 7)};
  /// Event types that legitimately repeat for one subject (a second delay of the same
  /// order, a reminder the day before and the hour before): never duplicates.
  std::vector<std::string> repeatable_event_types = {"order.delayed", "service.outage_updated",
                                                     "service.appointment_scheduled",
                                                     "service.appointment_reminder"};

  /// The shipped defaults: order, service and reminder updates and security alerts
  /// opt-out; surveys and offers opt-in; SURVEY 1/30d dropped, INFORMATIONAL 2/7d
  /// deferred, REMINDER 3/1d deferred; at most 5 a day overall; quiet 21:00-08:00.
  static PolicyConfig Defaults();
  const CategoryPolicy& For(core::Category category) const;
  CapRules Caps() const;
};

/// A complaint the customer made.
struct Complaint {
  std::string event_id;
  core::Time occur_time;
};

/// Everything one decision looks at.
struct PolicyInput {
  const core::Notification* notification = nullptr;
  const core::Event* event = nullptr;
  const core::Template* tmpl = nullptr;    // nullptr: no template for the event type
  const core::Profile* profile = nullptr;  // nullptr: contact data from the event only
  /// The customer's notifications let through or held back (QUEUED and later,
  /// DEFERRED), any order; caps count those with a send_time. nullptr: none.
  const std::vector<core::Notification>* history = nullptr;
  std::vector<Complaint> complaints;  // the customer's recent ones
  /// The operators' pauses in force; nullptr: none.
  const std::vector<core::Pause>* pauses = nullptr;
  core::Time now;
};

/// The decision, and for SEND the channels in the order to try them.
struct PolicyResult {
  core::Decision decision;
  std::vector<core::Channel> channels;
};

/// Applies the rules in order: template, duplicate, category suppression, complaint
/// cooldown, per channel (consent, channel suppression, contact data, template
/// content), frequency caps, quiet hours; then, for what would be sent now, the
/// operators' pauses (DEFER PAUSED, kept with its channels, until the resume). Pure:
/// the same input gives the same result.
PolicyResult Decide(const PolicyConfig& config, const PolicyInput& input);

/// Whether a notification in `state` counts as sent for caps (sent or on its way,
/// not failed, bounced or held back).
bool CountsAsSent(core::NotificationState state);

}  // namespace herald::policy
