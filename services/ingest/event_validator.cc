#include "services/ingest/event_validator.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "absl/strings/ascii.h"
#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::ingest {
namespace {

using google::protobuf::util::TimeUtil;

constexpr size_t kMaxIdBytes = 200;
constexpr size_t kMaxAttributeName = 64;

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// The payload case a type's prefix requires, e.g. "order.shipped" -> kOrder.
std::optional<core::EventKind> KindOfType(std::string_view type) {
  const std::string_view prefix = type.substr(0, type.find('.'));
  if (prefix == "order") return core::EventKind::kOrder;
  if (prefix == "service") return core::EventKind::kService;
  if (prefix == "fraud") return core::EventKind::kFraud;
  return std::nullopt;
}

std::optional<core::EventKind> KindOfPayload(const v1::Event& event) {
  switch (event.payload_case()) {
    case v1::Event::kOrder:
      return core::EventKind::kOrder;
    case v1::Event::kService:
      return core::EventKind::kService;
    case v1::Event::kFraud:
      return core::EventKind::kFraud;
    case v1::Event::PAYLOAD_NOT_SET:
      break;
  }
  return std::nullopt;
}

// What the event is about, for recognising the same news sent twice under new ids.
std::string Subject(const v1::Event& in) {
  switch (in.payload_case()) {
    case v1::Event::kOrder:
      return in.order().order_id().empty() ? "" : core::StrCat("order ", in.order().order_id());
    case v1::Event::kService: {
      const v1::ServiceEvent& s = in.service();
      if (s.has_outage() && !s.outage().incident_id().empty()) {
        return core::StrCat("incident ", s.outage().incident_id());
      }
      if (s.has_appointment() && !s.appointment().appointment_id().empty()) {
        return core::StrCat("appointment ", s.appointment().appointment_id());
      }
      if (s.has_complaint() && !s.complaint().complaint_id().empty()) {
        return core::StrCat("complaint ", s.complaint().complaint_id());
      }
      return "";
    }
    case v1::Event::kFraud:
      return in.fraud().alert_id().empty() ? "" : core::StrCat("alert ", in.fraud().alert_id());
    default:
      return "";
  }
}

std::optional<Rejection> CheckOverrides(const v1::ContactOverrides& in,
                                        core::ContactOverrides& out) {
  const std::pair<std::string_view, absl::StatusOr<std::string> (*)(std::string_view)> checks[] = {
      {"email", core::NormalizeEmail},
      {"phone", core::NormalizePhone},
      {"locale", core::NormalizeLocale}};
  const std::string* values[] = {&in.email(), &in.phone(), &in.locale()};
  std::string* targets[] = {&out.email, &out.phone, &out.locale};
  for (size_t i = 0; i < std::size(checks); ++i) {
    if (values[i]->empty()) continue;
    absl::StatusOr<std::string> normalized = checks[i].second(*values[i]);
    if (!normalized.ok()) {
      return Rejection{RejectReason::kInvalidContactOverride,
                       core::StrCat("contact_overrides.", checks[i].first),
                       std::string(core::ToStd(normalized.status().message()))};
    }
    *targets[i] = *std::move(normalized);
  }
  out.display_name = in.display_name();
  return std::nullopt;
}

}  // namespace

std::variant<core::Event, Rejection> ValidateEvent(const v1::Event& in, const EventLimits& limits,
                                                   core::Time now) {
  core::Event out;
  if (in.event_id().empty())
    return Rejection{RejectReason::kMissingEventId, "event_id", "must be set"};
  if (in.event_id().size() > kMaxIdBytes || !IsPrintableAscii(in.event_id())) {
    return Rejection{
        RejectReason::kInvalidEventId, "event_id",
        core::StrCat("must be 1 to ", kMaxIdBytes, " printable ASCII characters without spaces")};
  }
  out.event_id = in.event_id();

  if (!core::IsKnownEventType(in.event_type())) {
    return Rejection{RejectReason::kUnknownEventType, "event_type",
                     core::StrCat("\"", in.event_type(), "\" is not a known event type")};
  }
  out.event_type = in.event_type();
  const core::EventKind kind = *KindOfType(in.event_type());
  const std::optional<core::EventKind> payload = KindOfPayload(in);
  if (payload != kind) {
    return Rejection{RejectReason::kPayloadMismatch, std::string(core::Name(kind)),
                     core::StrCat("must be set for event type ", in.event_type(),
                                  payload ? core::StrCat(" (the event has a payload of kind ",
                                                         core::Name(*payload), ")")
                                          : std::string())};
  }
  out.kind = kind;

  if (!in.has_occur_time())
    return Rejection{RejectReason::kBadTimestamp, "occur_time", "must be set"};
  const auto& t = in.occur_time();
  if (t.seconds() < TimeUtil::kTimestampMinSeconds ||
      t.seconds() > TimeUtil::kTimestampMaxSeconds || t.nanos() < 0 || t.nanos() > 999'999'999) {
    return Rejection{RejectReason::kBadTimestamp, "occur_time", "is not a valid timestamp"};
  }
  out.occur_time = core::Time(std::chrono::microseconds(TimeUtil::TimestampToMicroseconds(t)));
  if (out.occur_time > now + limits.max_future_skew) {
    return Rejection{RejectReason::kBadTimestamp, "occur_time",
                     core::StrCat(TimeUtil::ToString(t), " is more than ",
                                  limits.max_future_skew.count(), "s in the future")};
  }
  if (in.source().size() > kMaxIdBytes) {
    return Rejection{RejectReason::kInvalidAttribute, "source",
                     core::StrCat("is longer than ", kMaxIdBytes, " bytes")};
  }
  out.source = in.source();

  if (in.subject_case() == v1::Event::kCustomerId) {
    absl::Status valid = core::ValidateCustomerId(in.customer_id());
    if (!valid.ok()) {
      return Rejection{RejectReason::kInvalidCustomerId, "customer_id",
                       std::string(core::ToStd(valid.message()))};
    }
    out.customer_ids.push_back(in.customer_id());
  } else if (in.subject_case() == v1::Event::kAudience) {
    const auto& ids = in.audience().customer_ids();
    if (ids.empty()) {
      return Rejection{RejectReason::kMissingCustomer, "audience.customer_ids",
                       "must not be empty"};
    }
    if (static_cast<size_t>(ids.size()) > limits.max_audience) {
      return Rejection{RejectReason::kAudienceTooLarge, "audience.customer_ids",
                       core::StrCat("has ", ids.size(), " customers; at most ", limits.max_audience,
                                    " per event")};
    }
    std::unordered_set<std::string_view> seen;
    seen.reserve(static_cast<size_t>(ids.size()));
    for (int i = 0; i < ids.size(); ++i) {
      absl::Status valid = core::ValidateCustomerId(ids[i]);
      if (!valid.ok()) {
        return Rejection{RejectReason::kInvalidCustomerId,
                         core::StrCat("audience.customer_ids[", i, "]"),
                         std::string(core::ToStd(valid.message()))};
      }
      if (seen.insert(ids[i]).second) out.customer_ids.push_back(ids[i]);
    }
    out.has_audience = true;
  } else {
    return Rejection{RejectReason::kMissingCustomer, "customer_id",
                     "must be set (or an audience of customer ids)"};
  }

  if (in.has_contact_overrides()) {
    if (auto rejection = CheckOverrides(in.contact_overrides(), out.overrides)) return *rejection;
  }

  if (static_cast<size_t>(in.attributes_size()) > limits.max_attributes) {
    return Rejection{
        RejectReason::kInvalidAttribute, "attributes",
        core::StrCat("has ", in.attributes_size(), " entries; at most ", limits.max_attributes)};
  }
  for (const auto& [name, value] : in.attributes()) {
    const bool valid_name = !name.empty() && name.size() <= kMaxAttributeName &&
                            std::all_of(name.begin(), name.end(),
                                        [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
    if (!valid_name) {
      return Rejection{RejectReason::kInvalidAttribute, core::StrCat("attributes[\"", name, "\"]"),
                       core::StrCat("names are 1 to ", kMaxAttributeName,
                                    " letters, digits or '_' (used as {{attributes.NAME}})")};
    }
    out.attributes.emplace(name, value);
  }
  out.subject = Subject(in);
  return out;
}

}  // namespace herald::ingest
