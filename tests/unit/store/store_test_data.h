#pragma once

#include <string>

#include "services/store/store.h"
#include "tests/support/fake_clock.h"

// What the store tests write: a profile with every kind of field, a template with two
// locales, an event with one decided notification.
namespace herald::store::testing {

using herald::testing::TestEpoch;

inline core::Profile Profile(const std::string& id) {
  core::Profile p;
  p.customer_id = id;
  p.display_name = "Anna";
  p.email = id + "@example.nl";
  p.phone = "+31612345678";
  p.locale = "nl-BE";
  p.time_zone = "Europe/Brussels";
  p.preferred_channels = {core::Channel::kSms, core::Channel::kEmail};
  p.consents = {{core::Category::kSurvey, core::Channel::kEmail, core::ConsentState::kGranted,
                 "web", TestEpoch()},
                {core::Category::kInformational, core::Channel::kSms, core::ConsentState::kDenied,
                 "call-center", TestEpoch() + std::chrono::seconds(5)}};
  p.quiet_hours = core::QuietHours{22 * 60, 7 * 60};
  p.suppressions = {{core::Channel::kEmail, std::nullopt, core::SuppressionReason::kHardBounce,
                     "550 user unknown", TestEpoch(), std::nullopt},
                    {std::nullopt, core::Category::kSurvey, core::SuppressionReason::kComplaint, "",
                     TestEpoch(), TestEpoch() + std::chrono::hours(24 * 14)}};
  p.create_time = TestEpoch();
  p.update_time = TestEpoch() + std::chrono::seconds(1);
  return p;
}

inline core::Template Template(const std::string& name, const std::string& subject) {
  core::Template t;
  t.name = name;
  t.category = core::Category::kOrderUpdate;
  t.event_types = {"order.shipped", "order.delayed"};
  t.priority = core::Priority::kHigh;
  t.default_locale = "en";
  t.contents = {{"en", core::EmailContent{subject, "text", "<p>html</p>"}, core::SmsContent{"sms"}},
                {"nl", std::nullopt, core::SmsContent{"sms nl"}}};
  t.update_time = TestEpoch();
  return t;
}

/// An event for `customer` with one notification decided as `state` (QUEUED: on email).
inline IntakeItem Item(const std::string& event_id, const std::string& customer,
                       core::NotificationState state = core::NotificationState::kQueued) {
  IntakeItem item;
  item.record.event.event_id = event_id;
  item.record.event.event_type = "order.shipped";
  item.record.event.customer_ids = {customer};
  item.record.content_type = "application/x-protobuf";
  item.record.body = std::string("\0\x01\xff body", 8);  // bytes of every value
  item.record.receive_time = TestEpoch();
  core::Notification n;
  n.notification_id = "n-" + event_id;
  n.event_id = event_id;
  n.customer_id = customer;
  n.event_type = "order.shipped";
  n.template_name = "order-shipped";
  n.state = state;
  n.channel = core::Channel::kEmail;
  n.create_time = n.update_time = TestEpoch();
  n.send_time = TestEpoch();
  n.decision = core::Decision{};
  n.decision->outcome = state == core::NotificationState::kQueued
                            ? core::DecisionOutcome::kSend
                            : core::DecisionOutcome::kSuppress;
  n.decision->decide_time = TestEpoch();
  item.notifications.push_back(n);
  return item;
}

}  // namespace herald::store::testing
