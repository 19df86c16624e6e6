#include "services/api/notification_mapping.h"

#include "services/api/kind_mapping.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::api {

v1::Decision DecisionToProto(const core::Decision& d) {
  v1::Decision proto;
  switch (d.outcome) {
    case core::DecisionOutcome::kSend:
      proto.set_outcome(v1::DECISION_OUTCOME_SEND);
      break;
    case core::DecisionOutcome::kDefer:
      proto.set_outcome(v1::DECISION_OUTCOME_DEFER);
      break;
    case core::DecisionOutcome::kSuppress:
      proto.set_outcome(v1::DECISION_OUTCOME_SUPPRESS);
      break;
  }
  proto.set_reason(std::string(core::Name(d.reason)));
  proto.set_rule(d.rule);
  proto.set_detail(d.detail);
  if (d.defer_until) *proto.mutable_defer_until_time() = ToProto(*d.defer_until);
  *proto.mutable_decide_time() = ToProto(d.decide_time);
  proto.set_config_version(d.config_version);
  return proto;
}

v1::Notification NotificationToProto(const core::Notification& n) {
  v1::Notification proto;
  proto.set_notification_id(n.notification_id);
  proto.set_customer_id(n.customer_id);
  proto.set_event_id(n.event_id);
  proto.set_event_type(n.event_type);
  proto.set_trace_id(std::string(n.trace_id.hex()));
  proto.set_template_name(n.template_name);
  proto.set_template_version(n.template_version);
  if (n.category) proto.set_category(ToProto(*n.category));
  if (n.channel) proto.set_channel(ToProto(*n.channel));
  for (core::Channel c : n.fallback_channels) proto.add_fallback_channels(ToProto(c));
  proto.set_state(ToProto(n.state));
  if (n.decision) *proto.mutable_decision() = DecisionToProto(*n.decision);
  for (const core::DeliveryAttempt& a : n.attempts) {
    v1::DeliveryAttempt* out = proto.add_attempts();
    out->set_attempt_number(a.number);
    out->set_channel(ToProto(a.channel));
    *out->mutable_start_time() = ToProto(a.start_time);
    if (a.end_time) *out->mutable_end_time() = ToProto(*a.end_time);
    if (a.result) {
      switch (*a.result) {
        case core::AttemptResult::kAccepted:
          out->set_result(v1::ATTEMPT_RESULT_ACCEPTED);
          break;
        case core::AttemptResult::kRetryableFailure:
          out->set_result(v1::ATTEMPT_RESULT_RETRYABLE_FAILURE);
          break;
        case core::AttemptResult::kPermanentFailure:
          out->set_result(v1::ATTEMPT_RESULT_PERMANENT_FAILURE);
          break;
        case core::AttemptResult::kInterrupted:
          out->set_result(v1::ATTEMPT_RESULT_INTERRUPTED);
          break;
      }
    }
    // From outside (a provider's answer): never let ill-formed UTF-8 into a message.
    out->set_detail(core::ToValidUtf8(a.detail));
    out->set_provider_message_id(core::ToValidUtf8(a.provider_message_id));
  }
  for (const core::StateChange& change : n.history) {
    v1::StateChange* out = proto.add_history();
    out->set_state(ToProto(change.state));
    *out->mutable_change_time() = ToProto(change.change_time);
    out->set_detail(core::ToValidUtf8(change.detail));
  }
  *proto.mutable_create_time() = ToProto(n.create_time);
  *proto.mutable_update_time() = ToProto(n.update_time);
  if (n.content_purge) {
    *proto.mutable_content_purge_time() = ToProto(n.content_purge->time);
    proto.set_content_purge_reason(std::string(core::Name(n.content_purge->reason)));
  }
  for (const core::RenderedMessage& m : n.messages) {
    v1::RenderedMessage* out = proto.add_messages();
    out->set_channel(ToProto(m.channel));
    out->set_locale(m.locale);
    *out->mutable_render_time() = ToProto(m.render_time);
    if (m.channel == core::Channel::kEmail) {
      v1::RenderedEmail* email = out->mutable_email();
      email->set_subject(m.subject);
      email->set_text_body(m.text_body);
      email->set_html_body(m.html_body);
    } else {
      v1::RenderedSms* sms = out->mutable_sms();
      sms->set_text(m.sms_text);
      sms->set_encoding(m.sms_encoding == "GSM_7" ? v1::SMS_ENCODING_GSM_7
                                                  : v1::SMS_ENCODING_UCS_2);
      sms->set_units(m.sms_units);
      sms->set_segments(m.sms_segments);
    }
  }
  return proto;
}

v1::DeliveryStatusChange StatusChangeToProto(const store::StatusChange& c) {
  v1::DeliveryStatusChange proto;
  proto.set_sequence(c.sequence);
  proto.set_notification_id(c.notification_id);
  proto.set_customer_id(c.customer_id);
  proto.set_event_id(c.event_id);
  proto.set_event_type(c.event_type);
  proto.set_template_name(c.template_name);
  proto.set_template_version(c.template_version);
  if (c.category) proto.set_category(ToProto(*c.category));
  proto.set_previous_state(ToProto(c.previous_state));
  proto.set_state(ToProto(c.state));
  if (c.channel) proto.set_channel(ToProto(*c.channel));
  *proto.mutable_change_time() = ToProto(c.change_time);
  proto.set_reason(c.reason);
  proto.set_detail(core::ToValidUtf8(c.detail));
  proto.set_attempt_number(c.attempt);
  proto.set_provider_message_id(core::ToValidUtf8(c.provider_message_id));
  proto.set_trace_id(std::string(c.trace_id.hex()));
  return proto;
}

absl::StatusOr<store::NotificationFilter> FilterFromProto(const v1::NotificationFilter& in) {
  store::NotificationFilter out;
  if (!in.customer_id().empty()) {
    absl::Status valid = core::ValidateCustomerId(in.customer_id());
    if (!valid.ok()) return InField("filter.customer_id", valid);
    out.customer_id = in.customer_id();
  }
  out.event_id = in.event_id();
  out.template_name = in.template_name();
  for (int i = 0; i < in.states_size(); ++i) {
    auto state = FromProto(in.states(i));
    if (!state) return FieldError(core::StrCat("filter.states[", i, "]"), "is not a state");
    out.states.push_back(*state);
  }
  if (in.channel() != v1::CHANNEL_UNSPECIFIED) {
    out.channel = FromProto(in.channel());
    if (!out.channel) return FieldError("filter.channel", "is not a channel");
  }
  if (in.has_start_time()) out.start_time = FromProto(in.start_time());
  if (in.has_end_time()) out.end_time = FromProto(in.end_time());
  if (out.start_time && out.end_time && *out.end_time <= *out.start_time) {
    return FieldError("filter.end_time", "must be after filter.start_time");
  }
  return out;
}

}  // namespace herald::api
