#include "services/store/record/records.h"

#include <algorithm>
#include <map>

#include "services/core/strings.h"
#include "services/store/record/records.pb.h"

namespace herald::store::record {
namespace {

namespace pb = ::herald::store::packed;

int64_t Micros(core::Time t) { return t.time_since_epoch().count(); }
core::Time FromMicros(int64_t us) { return core::Time(std::chrono::microseconds(us)); }

absl::Status NotUnderstood(std::string_view what, std::string_view whose) {
  return absl::DataLossError(core::StrCat(whose, ": stored ", what, " is not understood"));
}

// Protobuf's wire format, appended to a string: proto3 leaves out what is zero or empty.
class Wire {
 public:
  explicit Wire(std::string& out) : out_(out) {}
  void Int(int field, int64_t value) {  // int64 and int32 (negative ones sign-extended)
    if (value == 0) return;
    Varint(static_cast<uint64_t>(field) << 3);
    Varint(static_cast<uint64_t>(value));
  }
  void Bytes(int field, std::string_view value) {
    if (!value.empty()) Message(field, value);
  }
  void Message(int field, std::string_view encoded) {  // even when empty: it is one element
    Varint((static_cast<uint64_t>(field) << 3) | 2);
    Varint(encoded.size());
    out_.append(encoded);
  }

 private:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }

  std::string& out_;
};

}  // namespace

std::string DecisionBytes(const core::Decision& d, core::NotificationState state) {
  pb::NotificationRecord record;
  pb::Decision* out = record.add_decisions();
  out->set_decide_time_us(Micros(d.decide_time));
  out->set_outcome(std::string(core::Name(d.outcome)));
  out->set_reason(std::string(core::Name(d.reason)));
  out->set_rule(d.rule);
  out->set_detail(d.detail);
  if (d.defer_until) out->set_defer_until_us(Micros(*d.defer_until));
  out->set_state(std::string(core::Name(state)));
  out->set_config_version(d.config_version);
  for (const core::RuleEvaluation& e : d.evaluations) {
    pb::Evaluation* evaluation = out->add_evaluations();
    evaluation->set_rule(e.rule);
    evaluation->set_passed(e.passed);
    evaluation->set_detail(e.detail);
  }
  return record.SerializeAsString();
}

std::string AttemptBytes(const core::DeliveryAttempt& a) {
  pb::NotificationRecord record;
  pb::Attempt* out = record.add_attempts();
  out->set_number(a.number);
  out->set_channel(std::string(core::Name(a.channel)));
  out->set_start_time_us(Micros(a.start_time));
  if (a.end_time) out->set_end_time_us(Micros(*a.end_time));
  if (a.result) out->set_result(std::string(core::Name(*a.result)));
  out->set_detail(a.detail);
  out->set_provider_message_id(a.provider_message_id);
  return record.SerializeAsString();
}

std::string PurgeBytes(const core::ContentPurge& p) {
  pb::NotificationRecord record;
  pb::Purge* out = record.add_purges();
  out->set_purge_time_us(Micros(p.time));
  out->set_reason(std::string(core::Name(p.reason)));
  return record.SerializeAsString();
}

absl::StatusOr<std::string> ScrubRecord(std::string_view bytes, std::string_view notification_id,
                                        const std::function<std::string(std::string_view)>& scrub) {
  pb::NotificationRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotUnderstood("history", notification_id);
  }
  for (pb::Decision& d : *record.mutable_decisions()) {
    d.set_detail(scrub(d.detail()));
    for (pb::Evaluation& e : *d.mutable_evaluations()) e.set_detail(scrub(e.detail()));
  }
  for (pb::Attempt& a : *record.mutable_attempts()) a.set_detail(scrub(a.detail()));
  for (pb::Change& c : *record.mutable_changes()) c.set_detail(scrub(c.detail()));
  return record.SerializeAsString();
}

std::string ChangeBytes(const core::StateChange& c) {
  pb::NotificationRecord record;
  pb::Change* out = record.add_changes();
  out->set_change_time_us(Micros(c.change_time));
  out->set_state(std::string(core::Name(c.state)));
  out->set_detail(c.detail);
  return record.SerializeAsString();
}

absl::StatusOr<NotificationHistory> DecodeHistory(std::string_view bytes,
                                                  std::string_view notification_id) {
  pb::NotificationRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotUnderstood("history", notification_id);
  }
  NotificationHistory out;
  for (const pb::Decision& d : record.decisions()) {
    core::Decision decision;
    auto outcome = core::ParseDecisionOutcome(d.outcome());
    auto reason = core::ParseDecisionReason(d.reason());
    auto state = core::ParseNotificationState(d.state());
    if (!outcome || !reason || !state) return NotUnderstood("decision", notification_id);
    decision.decide_time = FromMicros(d.decide_time_us());
    decision.outcome = *outcome;
    decision.reason = *reason;
    decision.rule = d.rule();
    decision.detail = d.detail();
    if (d.has_defer_until_us()) decision.defer_until = FromMicros(d.defer_until_us());
    decision.config_version = d.config_version();
    decision.evaluations.reserve(static_cast<size_t>(d.evaluations_size()));
    for (const pb::Evaluation& e : d.evaluations()) {
      decision.evaluations.push_back({e.rule(), e.passed(), e.detail()});
    }
    out.decisions.emplace_back(std::move(decision), *state);
  }
  // An attempt appears when it starts and again when it ends: the later entry adds
  // what it says (the end, the result) to the earlier one.
  std::map<int, core::DeliveryAttempt> attempts;
  for (const pb::Attempt& a : record.attempts()) {
    auto [it, first] = attempts.try_emplace(a.number());
    core::DeliveryAttempt& attempt = it->second;
    attempt.number = a.number();
    if (!a.channel().empty() || first) {
      auto channel = core::ParseChannel(a.channel());
      if (!channel) return NotUnderstood("attempt", notification_id);
      attempt.channel = *channel;
    }
    if (a.start_time_us() != 0 || first) attempt.start_time = FromMicros(a.start_time_us());
    if (a.has_end_time_us()) attempt.end_time = FromMicros(a.end_time_us());
    if (!a.result().empty()) {
      attempt.result = core::ParseAttemptResult(a.result());
      if (!attempt.result) return NotUnderstood("attempt result", notification_id);
    }
    if (!a.detail().empty()) attempt.detail = a.detail();
    if (!a.provider_message_id().empty()) attempt.provider_message_id = a.provider_message_id();
  }
  for (auto& [number, attempt] : attempts) out.attempts.push_back(std::move(attempt));
  for (const pb::Change& c : record.changes()) {
    auto state = core::ParseNotificationState(c.state());
    if (!state) return NotUnderstood("state change", notification_id);
    out.changes.push_back({*state, FromMicros(c.change_time_us()), c.detail()});
  }
  if (!record.purges().empty()) {
    const pb::Purge& first = record.purges(0);
    out.purge = core::ContentPurge{
        FromMicros(first.purge_time_us()),
        first.reason() == "ERASURE" ? core::PurgeReason::kErasure : core::PurgeReason::kRetention};
  }
  return out;
}

std::string EncodeChangeBatch(const std::vector<StatusChange>& changes) {
  // Written field by field rather than through a pb::ChangeBatch: filling one copies
  // every string once more, and the writer thread encodes a batch with every commit.
  using F = pb::StatusChange;
  std::string out;
  std::string change;
  for (const StatusChange& c : changes) {
    change.clear();
    Wire w(change);
    w.Int(F::kNotificationSeqFieldNumber, c.notification_seq);
    w.Bytes(F::kNotificationIdFieldNumber, c.notification_id);
    w.Bytes(F::kCustomerIdFieldNumber, c.customer_id);
    w.Bytes(F::kEventIdFieldNumber, c.event_id);
    w.Bytes(F::kEventTypeFieldNumber, c.event_type);
    w.Bytes(F::kTemplateNameFieldNumber, c.template_name);
    w.Int(F::kTemplateVersionFieldNumber, c.template_version);
    if (c.category) w.Bytes(F::kCategoryFieldNumber, core::Name(*c.category));
    w.Bytes(F::kPreviousStateFieldNumber, core::Name(c.previous_state));
    w.Bytes(F::kStateFieldNumber, core::Name(c.state));
    if (c.channel) w.Bytes(F::kChannelFieldNumber, core::Name(*c.channel));
    w.Int(F::kChangeTimeUsFieldNumber, Micros(c.change_time));
    w.Bytes(F::kReasonFieldNumber, c.reason);
    w.Bytes(F::kDetailFieldNumber, c.detail);
    w.Int(F::kAttemptFieldNumber, c.attempt);
    w.Bytes(F::kProviderMessageIdFieldNumber, c.provider_message_id);
    w.Bytes(F::kTraceIdFieldNumber, c.trace_id.hex());
    Wire(out).Message(pb::ChangeBatch::kChangesFieldNumber, change);
  }
  return out;
}

absl::StatusOr<std::vector<StatusChange>> DecodeChangeBatch(std::string_view bytes,
                                                            int64_t first_sequence) {
  pb::ChangeBatch batch;
  const std::string whose = core::StrCat("change batch ", first_sequence);
  if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotUnderstood("changes", whose);
  }
  std::vector<StatusChange> out;
  out.reserve(static_cast<size_t>(batch.changes_size()));
  int64_t sequence = first_sequence;
  for (const pb::StatusChange& c : batch.changes()) {
    StatusChange change;
    change.sequence = sequence++;
    change.notification_seq = c.notification_seq();
    change.notification_id = c.notification_id();
    change.customer_id = c.customer_id();
    change.event_id = c.event_id();
    change.event_type = c.event_type();
    change.template_name = c.template_name();
    change.template_version = c.template_version();
    if (!c.category().empty()) {
      change.category = core::ParseCategory(c.category());
      if (!change.category) return NotUnderstood("category", whose);
    }
    auto previous = core::ParseNotificationState(c.previous_state());
    auto state = core::ParseNotificationState(c.state());
    if (!previous || !state) return NotUnderstood("state", whose);
    change.previous_state = *previous;
    change.state = *state;
    if (!c.channel().empty()) {
      change.channel = core::ParseChannel(c.channel());
      if (!change.channel) return NotUnderstood("channel", whose);
    }
    change.change_time = FromMicros(c.change_time_us());
    change.reason = c.reason();
    change.detail = c.detail();
    change.attempt = c.attempt();
    change.provider_message_id = c.provider_message_id();
    change.trace_id = core::TraceId::FromHex(c.trace_id()).value_or(core::TraceId());
    out.push_back(std::move(change));
  }
  return out;
}

std::string EncodeProfile(const core::Profile& p) {
  pb::Profile out;
  out.set_display_name(p.display_name);
  out.set_email(p.email);
  out.set_phone(p.phone);
  out.set_locale(p.locale);
  out.set_time_zone(p.time_zone);
  for (core::Channel c : p.preferred_channels) {
    out.add_preferred_channels(std::string(core::Name(c)));
  }
  if (p.quiet_hours) {
    out.set_quiet_start_minute(p.quiet_hours->start_minute);
    out.set_quiet_end_minute(p.quiet_hours->end_minute);
  }
  for (const core::Consent& c : p.consents) {
    pb::Consent* consent = out.add_consents();
    consent->set_category(std::string(core::Name(c.category)));
    consent->set_channel(std::string(core::Name(c.channel)));
    consent->set_state(std::string(core::Name(c.state)));
    consent->set_source(c.source);
    consent->set_update_time_us(Micros(c.update_time));
  }
  for (const core::Suppression& s : p.suppressions) {
    pb::Suppression* sup = out.add_suppressions();
    if (s.channel) sup->set_channel(std::string(core::Name(*s.channel)));
    if (s.category) sup->set_category(std::string(core::Name(*s.category)));
    sup->set_reason(std::string(core::Name(s.reason)));
    sup->set_detail(s.detail);
    sup->set_create_time_us(Micros(s.create_time));
    if (s.expire_time) sup->set_expire_time_us(Micros(*s.expire_time));
  }
  out.set_create_time_us(Micros(p.create_time));
  out.set_update_time_us(Micros(p.update_time));
  return out.SerializeAsString();
}

absl::StatusOr<core::Profile> DecodeProfile(std::string_view bytes, std::string_view customer_id) {
  const std::string whose = core::StrCat("profile ", customer_id);
  pb::Profile in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotUnderstood("profile", whose);
  }
  core::Profile p;
  p.customer_id = std::string(customer_id);
  p.display_name = in.display_name();
  p.email = in.email();
  p.phone = in.phone();
  p.locale = in.locale();
  p.time_zone = in.time_zone();
  for (const std::string& name : in.preferred_channels()) {
    std::optional<core::Channel> channel = core::ParseChannel(name);
    if (!channel) return NotUnderstood("preferred channel", whose);
    p.preferred_channels.push_back(*channel);
  }
  if (in.has_quiet_start_minute()) {
    p.quiet_hours = core::QuietHours{in.quiet_start_minute(), in.quiet_end_minute()};
  }
  for (const pb::Consent& c : in.consents()) {
    auto category = core::ParseCategory(c.category());
    auto channel = core::ParseChannel(c.channel());
    auto state = core::ParseConsentState(c.state());
    if (!category || !channel || !state) return NotUnderstood("consent", whose);
    p.consents.push_back({*category, *channel, *state, c.source(), FromMicros(c.update_time_us())});
  }
  for (const pb::Suppression& s : in.suppressions()) {
    core::Suppression sup;
    if (s.has_channel()) {
      sup.channel = core::ParseChannel(s.channel());
      if (!sup.channel) return NotUnderstood("suppression channel", whose);
    }
    if (s.has_category()) {
      sup.category = core::ParseCategory(s.category());
      if (!sup.category) return NotUnderstood("suppression category", whose);
    }
    auto reason = core::ParseSuppressionReason(s.reason());
    if (!reason) return NotUnderstood("suppression reason", whose);
    sup.reason = *reason;
    sup.detail = s.detail();
    sup.create_time = FromMicros(s.create_time_us());
    if (s.has_expire_time_us()) sup.expire_time = FromMicros(s.expire_time_us());
    p.suppressions.push_back(std::move(sup));
  }
  p.create_time = FromMicros(in.create_time_us());
  p.update_time = FromMicros(in.update_time_us());
  return p;
}

}  // namespace herald::store::record
