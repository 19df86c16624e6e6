#include "services/api/profile_mapping.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "services/api/kind_mapping.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr size_t kMaxDisplayName = 256;

std::string Index(std::string_view field, std::string_view member, int i) {
  return core::StrCat(field, ".", member, "[", i, "]");
}

absl::StatusOr<int> MinuteOfDay(const v1::TimeOfDay& t, std::string_view field) {
  if (t.hours() < 0 || t.hours() > 23)
    return FieldError(core::StrCat(field, ".hours"), "must be 0 to 23");
  if (t.minutes() < 0 || t.minutes() > 59) {
    return FieldError(core::StrCat(field, ".minutes"), "must be 0 to 59");
  }
  return t.hours() * 60 + t.minutes();
}

v1::TimeOfDay TimeOfDay(int minute_of_day) {
  v1::TimeOfDay t;
  t.set_hours(minute_of_day / 60);
  t.set_minutes(minute_of_day % 60);
  return t;
}

const core::Consent* FindConsent(const core::Profile* profile, core::Category category,
                                 core::Channel channel) {
  if (profile == nullptr) return nullptr;
  for (const core::Consent& c : profile->consents) {
    if (c.category == category && c.channel == channel) return &c;
  }
  return nullptr;
}

absl::Status ConvertConsents(const v1::CustomerProfile& proto, std::string_view field,
                             core::Time now, const core::Profile* previous, core::Profile& out) {
  std::set<std::pair<core::Category, core::Channel>> seen;
  for (int i = 0; i < proto.consents_size(); ++i) {
    const v1::Consent& c = proto.consents(i);
    const std::string at = Index(field, "consents", i);
    auto category = FromProto(c.category());
    if (!category) return FieldError(core::StrCat(at, ".category"), "must be set");
    auto channel = FromProto(c.channel());
    if (!channel) return FieldError(core::StrCat(at, ".channel"), "must be set");
    auto state = FromProto(c.state());
    if (!state) return FieldError(core::StrCat(at, ".state"), "must be GRANTED or DENIED");
    if (!seen.emplace(*category, *channel).second) {
      return FieldError(at, core::StrCat("a second consent for ", core::Name(*category), " on ",
                                         core::Name(*channel)));
    }
    core::Consent consent{*category, *channel, *state, c.source(),
                          c.has_update_time() ? FromProto(c.update_time()) : now};
    const core::Consent* before = FindConsent(previous, *category, *channel);
    if (before != nullptr && before->state == consent.state && !c.has_update_time() &&
        (c.source().empty() || c.source() == before->source)) {
      consent = *before;
    }
    out.consents.push_back(std::move(consent));
  }
  return absl::OkStatus();
}

absl::Status ConvertSuppressions(const v1::CustomerProfile& proto, std::string_view field,
                                 core::Time now, core::Profile& out) {
  for (int i = 0; i < proto.suppressions_size(); ++i) {
    const v1::Suppression& s = proto.suppressions(i);
    const std::string at = Index(field, "suppressions", i);
    core::Suppression sup;
    sup.channel = FromProto(s.channel());
    sup.category = FromProto(s.category());
    auto reason = FromProto(s.reason());
    if (!reason) return FieldError(core::StrCat(at, ".reason"), "must be set");
    sup.reason = *reason;
    sup.detail = s.detail();
    sup.create_time = s.has_create_time() ? FromProto(s.create_time()) : now;
    if (s.has_expire_time()) {
      sup.expire_time = FromProto(s.expire_time());
      if (*sup.expire_time <= sup.create_time) {
        return FieldError(core::StrCat(at, ".expire_time"), "must be after create_time");
      }
    }
    out.suppressions.push_back(std::move(sup));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateCustomerId(std::string_view id, std::string_view field) {
  return InField(field, core::ValidateCustomerId(id));
}

absl::StatusOr<core::Profile> ProfileFromProto(const v1::CustomerProfile& proto,
                                               std::string_view field, core::Time now,
                                               const core::Profile* previous) {
  core::Profile p;
  absl::Status status =
      ValidateCustomerId(proto.customer_id(), core::StrCat(field, ".customer_id"));
  if (!status.ok()) return status;
  p.customer_id = proto.customer_id();

  if (proto.display_name().size() > kMaxDisplayName) {
    return FieldError(core::StrCat(field, ".display_name"),
                      core::StrCat("is longer than ", kMaxDisplayName, " bytes"));
  }
  p.display_name = proto.display_name();

  // Each optional contact datum: empty means "not known"; otherwise it must be valid.
  const std::pair<const std::string*, std::string*> contact[] = {
      {&proto.email(), &p.email},
      {&proto.phone(), &p.phone},
      {&proto.locale(), &p.locale},
      {&proto.time_zone(), &p.time_zone}};
  using Normalizer = absl::StatusOr<std::string> (*)(std::string_view);
  const std::pair<std::string_view, Normalizer> normalizers[] = {
      {"email", core::NormalizeEmail},
      {"phone", core::NormalizePhone},
      {"locale", core::NormalizeLocale},
      {"time_zone", core::NormalizeTimeZone}};
  for (size_t i = 0; i < std::size(contact); ++i) {
    if (contact[i].first->empty()) continue;
    absl::StatusOr<std::string> normalized = normalizers[i].second(*contact[i].first);
    if (!normalized.ok()) {
      return InField(core::StrCat(field, ".", normalizers[i].first), normalized.status());
    }
    *contact[i].second = *std::move(normalized);
  }

  for (int i = 0; i < proto.preferred_channels_size(); ++i) {
    auto channel = FromProto(proto.preferred_channels(i));
    const std::string at = Index(field, "preferred_channels", i);
    if (!channel) return FieldError(at, "must be EMAIL or SMS");
    for (core::Channel c : p.preferred_channels) {
      if (c == *channel) return FieldError(at, core::StrCat(core::Name(c), " is listed twice"));
    }
    p.preferred_channels.push_back(*channel);
  }

  status = ConvertConsents(proto, field, now, previous, p);
  if (!status.ok()) return status;

  if (proto.has_quiet_hours()) {
    const std::string at = core::StrCat(field, ".quiet_hours");
    auto start = MinuteOfDay(proto.quiet_hours().start(), core::StrCat(at, ".start"));
    if (!start.ok()) return start.status();
    auto end = MinuteOfDay(proto.quiet_hours().end(), core::StrCat(at, ".end"));
    if (!end.ok()) return end.status();
    p.quiet_hours = core::QuietHours{*start, *end};
  }

  status = ConvertSuppressions(proto, field, now, p);
  if (!status.ok()) return status;

  p.create_time = previous != nullptr ? previous->create_time : now;
  p.update_time = now;
  return p;
}

v1::CustomerProfile ProfileToProto(const core::Profile& p) {
  v1::CustomerProfile proto;
  proto.set_customer_id(p.customer_id);
  proto.set_display_name(p.display_name);
  proto.set_email(p.email);
  proto.set_phone(p.phone);
  proto.set_locale(p.locale);
  proto.set_time_zone(p.time_zone);
  for (core::Channel c : p.preferred_channels) proto.add_preferred_channels(ToProto(c));
  for (const core::Consent& c : p.consents) {
    v1::Consent* out = proto.add_consents();
    out->set_category(ToProto(c.category));
    out->set_channel(ToProto(c.channel));
    out->set_state(ToProto(c.state));
    out->set_source(c.source);
    *out->mutable_update_time() = ToProto(c.update_time);
  }
  if (p.quiet_hours) {
    *proto.mutable_quiet_hours()->mutable_start() = TimeOfDay(p.quiet_hours->start_minute);
    *proto.mutable_quiet_hours()->mutable_end() = TimeOfDay(p.quiet_hours->end_minute);
  }
  for (const core::Suppression& s : p.suppressions) {
    v1::Suppression* out = proto.add_suppressions();
    if (s.channel) out->set_channel(ToProto(*s.channel));
    if (s.category) out->set_category(ToProto(*s.category));
    out->set_reason(ToProto(s.reason));
    out->set_detail(s.detail);
    *out->mutable_create_time() = ToProto(s.create_time);
    if (s.expire_time) *out->mutable_expire_time() = ToProto(*s.expire_time);
  }
  *proto.mutable_create_time() = ToProto(p.create_time);
  *proto.mutable_update_time() = ToProto(p.update_time);
  return proto;
}

}  // namespace herald::api
