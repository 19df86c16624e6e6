#include "services/api/customer_export.h"

#include <google/protobuf/util/json_util.h>

#include <set>

#include "absl/strings/ascii.h"
#include "herald/v1/event.pb.h"
#include "services/api/notification_mapping.h"
#include "services/api/profile_mapping.h"
#include "services/api/time_mapping.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr int kPage = 500;

// The event's body as JSON: as received when it came as JSON, converted when protobuf.
std::string PayloadJson(const store::EventRecord& record) {
  const std::string type = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(record.content_type.substr(0, record.content_type.find(';'))));
  if (type == "application/json") return record.body;
  v1::Event event;
  if (!event.ParseFromString(record.body)) return "";
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(event, &json).ok()) return "";
  return json;
}

v1::ExportedEvent EventToProto(const store::EventRecord& record) {
  v1::ExportedEvent out;
  out.set_event_id(record.event.event_id);
  out.set_event_type(record.event.event_type);
  *out.mutable_occur_time() = ToProto(record.event.occur_time);
  out.set_source(record.event.source);
  out.set_origin(record.origin);
  *out.mutable_receive_time() = ToProto(record.receive_time);
  out.set_purged(record.body.empty());
  if (!record.body.empty()) out.set_payload_json(PayloadJson(record));
  return out;
}

absl::Status AddNotification(store::Store& store, const core::Notification& listed,
                             v1::CustomerExport& out) {
  auto n = store.GetNotification(listed.notification_id);
  if (absl::IsNotFound(n.status())) return absl::OkStatus();  // deleted meanwhile
  if (!n.ok()) return n.status();
  auto decisions = store.ListDecisions(n->notification_id);
  if (!decisions.ok()) return decisions.status();
  v1::ExportedNotification* exported = out.add_notifications();
  *exported->mutable_notification() = NotificationToProto(*n);
  for (const core::Decision& d : *decisions) {
    *exported->add_decisions() = DecisionToProto(d);
    for (const core::RuleEvaluation& e : d.evaluations) {
      v1::RuleEvaluation* evaluation = exported->add_evaluations();
      evaluation->set_notification_id(n->notification_id);
      evaluation->set_rule(e.rule);
      evaluation->set_passed(e.passed);
      evaluation->set_detail(e.detail);
      *evaluation->mutable_evaluate_time() = ToProto(d.decide_time);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CustomerExport> ExportCustomer(store::Store& store,
                                                  const std::string& customer_id, core::Time now) {
  v1::CustomerExport out;
  out.set_customer_id(customer_id);
  *out.mutable_export_time() = ToProto(now);
  absl::StatusOr<core::Profile> profile = store.GetProfile(customer_id);
  if (profile.ok()) {
    *out.mutable_profile() = ProfileToProto(*profile);
  } else if (!absl::IsNotFound(profile.status())) {
    return profile.status();
  }
  store::NotificationFilter filter;
  filter.customer_id = customer_id;
  std::string after;
  std::set<std::string> event_ids;
  while (true) {
    auto page = store.ListNotifications(filter, after, kPage);
    if (!page.ok()) return page.status();
    for (const core::Notification& n : page->items) {
      if (absl::Status added = AddNotification(store, n, out); !added.ok()) return added;
      event_ids.insert(n.event_id);
    }
    if (!page->next_after) break;
    after = *page->next_after;
  }
  for (const std::string& id : event_ids) {
    auto event = store.GetEvent(id);
    if (absl::IsNotFound(event.status())) continue;
    if (!event.ok()) return event.status();
    *out.add_events() = EventToProto(*event);
  }
  if (!out.has_profile() && out.notifications().empty()) {
    return absl::NotFoundError(
        core::StrCat("Herald holds nothing about customer \"", customer_id, "\""));
  }
  return out;
}

}  // namespace herald::api
