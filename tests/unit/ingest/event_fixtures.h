#pragma once

#include <google/protobuf/util/time_util.h>

#include <string>

#include "herald/v1/event.pb.h"
#include "services/core/clock.h"

namespace herald::testing {

/// A valid order.shipped event for one customer, occurring at `at`.
inline v1::Event OrderShipped(const std::string& event_id, const std::string& customer,
                              core::Time at) {
  v1::Event e;
  e.set_event_id(event_id);
  e.set_event_type("order.shipped");
  *e.mutable_occur_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(at.time_since_epoch().count());
  e.set_source("webshop");
  e.set_customer_id(customer);
  e.mutable_order()->set_order_id("o-1");
  e.mutable_order()->set_carrier("PostNL");
  (*e.mutable_attributes())["campaign"] = "spring";
  return e;
}

/// A service.outage_started event for an audience.
inline v1::Event Outage(const std::string& event_id, const std::vector<std::string>& customers,
                        core::Time at) {
  v1::Event e;
  e.set_event_id(event_id);
  e.set_event_type("service.outage_started");
  *e.mutable_occur_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(at.time_since_epoch().count());
  for (const auto& c : customers) e.mutable_audience()->add_customer_ids(c);
  e.mutable_service()->mutable_outage()->set_incident_id("inc-7");
  e.mutable_service()->mutable_outage()->set_service_name("internet");
  return e;
}

}  // namespace herald::testing
