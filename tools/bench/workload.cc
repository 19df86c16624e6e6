#include "tools/bench/workload.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <ctime>
#include <sstream>

#include "herald/v1/event.pb.h"
#include "herald/v1/profile_service.pb.h"
#include "services/core/notification.h"
#include "tools/bench/common.h"

namespace herald::bench {
namespace {

std::string Serialize(const std::string& json, google::protobuf::Message& message) {
  if (!google::protobuf::util::JsonStringToMessage(json, &message).ok()) {
    Fail("bad generated JSON: " + json);
  }
  return message.SerializeAsString();
}

}  // namespace

std::string Iso(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%FT%TZ", std::gmtime(&s));
  return buffer;
}

Message Profile(int i) {
  const std::string id = "cust-" + std::to_string(i);
  const bool dutch = i % 3 != 0;
  char phone[32];
  std::snprintf(phone, sizeof phone, "+3161%07d", i % 10'000'000);
  std::ostringstream json;
  json << R"({"profile": {"customer_id": ")" << id << R"(", "display_name": "Customer )" << i
       << R"(", "email": ")" << id << R"(@example.nl", "phone": ")" << phone << R"(", "locale": ")"
       << (dutch ? "nl-NL" : "en-GB") << R"(", "time_zone": ")"
       << (dutch ? "Europe/Amsterdam" : "Europe/London") << R"(", "preferred_channels": [)"
       << (i % 2 == 0 ? R"("CHANNEL_SMS", "CHANNEL_EMAIL")" : R"("CHANNEL_EMAIL", "CHANNEL_SMS")")
       << R"(]}, "allow_missing": true})";
  v1::UpdateProfileRequest request;
  return {"herald.profiles", id, Serialize(json.str(), request)};
}

Message Event(int n, int customer, const std::string& now, const std::string& tomorrow,
              const std::string& prefix) {
  const std::string id = "cust-" + std::to_string(customer);
  const std::string event_id = prefix + std::to_string(n);
  std::ostringstream json;
  std::string topic;
  std::string template_name;
  const int kind = n % 20;
  json << R"({"event_id": ")" << event_id << R"(", "occur_time": ")" << now
       << R"(", "customer_id": ")" << id << R"(", )";
  if (kind < 12) {
    topic = "herald.orders";
    template_name = "order-shipped";
    json << R"("event_type": "order.shipped", "source": "webshop", "order": {"order_id": ")" << n
         << R"(", "carrier": "PostNL", "tracking_url": "https://track.example/)" << n
         << R"(", "expected_delivery_time": ")" << tomorrow
         << R"(", "items": [{"name": "Rooibos tea", "quantity": 2}]}})";
  } else if (kind < 17) {
    topic = "herald.service";
    template_name = "appointment-reminder";
    json << R"("event_type": "service.appointment_reminder", "source": "agenda", )"
         << R"("service": {"appointment": {"appointment_id": "APT-)" << n << R"(", "start_time": ")"
         << tomorrow << R"(", "location": "Neude 11, Utrecht", "purpose": "mortgage advice"}}})";
  } else {
    topic = "herald.fraud";
    template_name = "suspicious-login";
    json << R"("event_type": "fraud.suspicious_login", "source": "fraud-engine", )"
         << R"("fraud": {"alert_id": "ALERT-)" << n
         << R"(", "action_url": "https://herald.example/block", "login": {"login_time": ")" << now
         << R"(", "location": "Lagos, NG", "device": "Chrome on Windows"}}})";
  }
  v1::Event event;
  return {topic, id, Serialize(json.str(), event),
          core::NotificationId(event_id, id, template_name)};
}

connectors::Delivery Email(int n) {
  connectors::Delivery d;
  d.notification_id = "n-mail-" + std::to_string(n);
  d.address = "cust-" + std::to_string(n) + "@example.nl";
  d.message.channel = core::Channel::kEmail;
  d.message.subject = "Je bestelling " + std::to_string(n) + " is onderweg";
  d.message.text_body =
      "Hallo,\n\nJe bestelling " + std::to_string(n) +
      " is onderweg met PostNL. Volg je pakket met code 3SABCD1234567.\n\nGroet, Herald Bank\n";
  d.message.html_body = "<p>Hallo,</p><p>Je bestelling <b>" + std::to_string(n) +
                        "</b> is onderweg met PostNL.</p><p>Groet, Herald Bank</p>";
  return d;
}

}  // namespace herald::bench
