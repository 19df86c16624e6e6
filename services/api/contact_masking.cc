#include "services/api/contact_masking.h"

#include "services/core/masking.h"

namespace herald::api {

void MaskForViewer(v1::CustomerProfile& profile) {
  if (!profile.email().empty()) profile.set_email(core::MaskEmail(profile.email()));
  if (!profile.phone().empty()) profile.set_phone(core::MaskPhone(profile.phone()));
  if (!profile.display_name().empty()) {
    profile.set_display_name(core::MaskName(profile.display_name()));
  }
}

void MaskForViewer(v1::Notification& notification) {
  for (v1::RenderedMessage& message : *notification.mutable_messages()) {
    if (message.has_email()) {
      message.mutable_email()->clear_subject();
      message.mutable_email()->clear_text_body();
      message.mutable_email()->clear_html_body();
    }
    if (message.has_sms()) message.mutable_sms()->clear_text();  // encoding, segments stay
  }
  for (v1::DeliveryAttempt& attempt : *notification.mutable_attempts()) {
    attempt.set_detail(core::MaskContactData(attempt.detail()));
  }
  for (v1::StateChange& change : *notification.mutable_history()) {
    change.set_detail(core::MaskContactData(change.detail()));
  }
  if (notification.has_decision()) {
    notification.mutable_decision()->set_detail(
        core::MaskContactData(notification.decision().detail()));
  }
}

void MaskForViewer(v1::ExplainNotificationResponse& response) {
  for (v1::Notification& n : *response.mutable_notifications()) MaskForViewer(n);
  for (v1::RuleEvaluation& e : *response.mutable_evaluations()) {
    e.set_detail(core::MaskContactData(e.detail()));
  }
  response.set_summary(core::MaskContactData(response.summary()));
}

void MaskForViewer(v1::GetNotificationResponse& response) {
  MaskForViewer(*response.mutable_notification());
}

void MaskForViewer(v1::ListNotificationsResponse& response) {
  for (v1::Notification& n : *response.mutable_notifications()) MaskForViewer(n);
}

void MaskForViewer(v1::GetProfileResponse& response) { MaskForViewer(*response.mutable_profile()); }

void MaskForViewer(v1::ListProfilesResponse& response) {
  for (v1::CustomerProfile& p : *response.mutable_profiles()) MaskForViewer(p);
}

}  // namespace herald::api
