#include "tests/integration/api_calls.h"

#include <google/protobuf/util/time_util.h>

#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"

namespace herald::testing {

v1::Event OrderEvent(const std::string& event_id, const std::string& customer,
                     const std::string& type) {
  v1::Event e;
  e.set_event_id(event_id);
  e.set_event_type(type);
  *e.mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  e.set_customer_id(customer);
  e.mutable_order()->set_order_id(event_id);
  return e;
}

grpc::Status Publish(const HeralddProcess& heraldd, const v1::Event& event,
                     const std::string& traceparent) {
  auto stub = v1::EventService::NewStub(heraldd.Channel());
  auto context = Context();
  if (!traceparent.empty()) context->AddMetadata("traceparent", traceparent);
  v1::PublishEventRequest request;
  *request.mutable_event() = event;
  v1::PublishEventResponse response;
  return stub->PublishEvent(context.get(), request, &response);
}

grpc::Status CreateTemplate(const HeralddProcess& heraldd, const std::string& name,
                            const std::string& event_type, const std::string& sms_text,
                            const std::string& email_subject, v1::Category category) {
  auto stub = v1::TemplateService::NewStub(heraldd.Channel());
  v1::CreateTemplateRequest request;
  v1::Template* t = request.mutable_template_();
  t->set_name(name);
  t->set_category(category);
  t->add_event_types(event_type);
  t->set_default_locale("nl");
  v1::LocalizedContent* nl = t->add_contents();
  nl->set_locale("nl");
  nl->mutable_sms()->set_text(sms_text);
  if (!email_subject.empty()) {
    nl->mutable_email()->set_subject(email_subject);
    nl->mutable_email()->set_text_body("Je pakket is onderweg.");
  }
  v1::CreateTemplateResponse response;
  return stub->CreateTemplate(Context().get(), request, &response);
}

grpc::Status CreateCustomer(const HeralddProcess& heraldd, const std::string& customer_id,
                            v1::Channel channel, const std::string& email) {
  auto stub = v1::ProfileService::NewStub(heraldd.Channel());
  v1::CreateProfileRequest request;
  request.mutable_profile()->set_customer_id(customer_id);
  request.mutable_profile()->set_phone("+31612345678");
  if (!email.empty()) request.mutable_profile()->set_email(email);
  request.mutable_profile()->add_preferred_channels(channel);
  v1::CreateProfileResponse response;
  return stub->CreateProfile(Context().get(), request, &response);
}

v1::Notification NotificationOf(const HeralddProcess& heraldd, const std::string& event_id) {
  auto stub = v1::NotificationService::NewStub(heraldd.Channel());
  v1::ListNotificationsRequest list;
  list.mutable_filter()->set_event_id(event_id);
  v1::ListNotificationsResponse found;
  if (!stub->ListNotifications(Context().get(), list, &found).ok() ||
      found.notifications_size() == 0) {
    return {};
  }
  v1::GetNotificationRequest get;
  get.set_notification_id(found.notifications(0).notification_id());
  v1::GetNotificationResponse got;
  if (!stub->GetNotification(Context().get(), get, &got).ok()) return {};
  return got.notification();
}

}  // namespace herald::testing
