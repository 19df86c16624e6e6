#pragma once

#include <string>

#include "herald/v1/common.pb.h"
#include "herald/v1/event.pb.h"
#include "herald/v1/notification.pb.h"
#include "tests/integration/heraldd_process.h"

// What the integration tests ask of a heraldd over its gRPC API, as a backend or an
// operator would, each with the admin key.
namespace herald::testing {

/// An order.shipped event (or `type`) for `customer`, occurring now, about order
/// `event_id`.
v1::Event OrderEvent(const std::string& event_id, const std::string& customer,
                     const std::string& type = "order.shipped");

/// EventService.PublishEvent, with `traceparent` as metadata when it is not empty.
grpc::Status Publish(const HeralddProcess& heraldd, const v1::Event& event,
                     const std::string& traceparent = "");

/// A template in Dutch with an SMS text (and an email, when `email_subject` is set)
/// for `event_type`.
grpc::Status CreateTemplate(const HeralddProcess& heraldd, const std::string& name,
                            const std::string& event_type, const std::string& sms_text,
                            const std::string& email_subject = "",
                            v1::Category category = v1::CATEGORY_ORDER_UPDATE);

/// A customer with a phone number (and `email`, when set) who prefers `channel`.
grpc::Status CreateCustomer(const HeralddProcess& heraldd, const std::string& customer_id,
                            v1::Channel channel, const std::string& email = "");

/// The notification the event led to, with its history, attempts and messages; empty
/// when there is none (yet).
v1::Notification NotificationOf(const HeralddProcess& heraldd, const std::string& event_id);

}  // namespace herald::testing
