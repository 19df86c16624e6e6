// The JSON API (Connect protocol over HTTP/1.1) against a heraldd process, with a plain
// HTTP client: what a backend team's curl or a browser sees.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "herald/v1/profile_service.grpc.pb.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/sms_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct Json(const std::string& text) {
  google::protobuf::Struct out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &out).ok()) << text;
  return out;
}

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

// The messages of a Connect stream's body so far: each envelope's JSON, and the last
// one's (flag 0x02) separately once it came.
struct StreamBody {
  std::string bytes;
  std::vector<std::string> messages;
  std::optional<std::string> end;

  void Append(const char* data, size_t size) {
    bytes.append(data, size);
    while (bytes.size() >= 5) {
      const auto length = static_cast<size_t>(static_cast<uint8_t>(bytes[1])) << 24 |
                          static_cast<size_t>(static_cast<uint8_t>(bytes[2])) << 16 |
                          static_cast<size_t>(static_cast<uint8_t>(bytes[3])) << 8 |
                          static_cast<size_t>(static_cast<uint8_t>(bytes[4]));
      if (bytes.size() < 5 + length) return;
      std::string message = bytes.substr(5, length);
      if ((bytes[0] & 0x02) != 0) {
        end = std::move(message);
      } else {
        messages.push_back(std::move(message));
      }
      bytes.erase(0, 5 + length);
    }
  }
};

std::string Enveloped(const std::string& json) {
  std::string out(5, '\0');
  out[4] = static_cast<char>(json.size());  // the requests here are short
  return out + json;
}

class JsonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), dir_.File("herald.db"),
                                                "policy:\n  quiet_hours: \"off\"\n"
                                                "sms:\n  provider: generic_json\n  url: " +
                                                    sms_.url("/send") + "\n  token: t0k\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
  }
  void TearDown() override {
    if (heraldd_ != nullptr) {
      EXPECT_EQ(heraldd_->Stop(), 0);
    }
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", heraldd_->http_port());
    client.set_read_timeout(std::chrono::seconds(30));
    return client;
  }

  // POST /herald.v1.<path> with a JSON body, as the admin unless `token` says otherwise.
  httplib::Result Post(const std::string& path, const std::string& json,
                       std::optional<std::string> token = std::nullopt,
                       const std::string& content_type = "application/json") {
    httplib::Headers headers;
    const std::string bearer = token.value_or(heraldd_->admin_token());
    if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
    return Client().Post(("/herald.v1." + path).c_str(), headers, json, content_type.c_str());
  }

  TempDir dir_;
  SmsSink sms_;
  std::unique_ptr<HeralddProcess> heraldd_;
};

TEST_F(JsonApiTest, AUnaryCallTakesAndGivesProtobufJson) {
  auto created = Post("ProfileService/CreateProfile", R"({"profile": {
      "customerId": "anna", "displayName": "Anna de Vries", "phone": "+31 6 12345678",
      "locale": "nl-NL", "timeZone": "Europe/Amsterdam", "preferredChannels": ["CHANNEL_SMS"]}})");
  ASSERT_TRUE(created) << httplib::to_string(created.error());
  EXPECT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(created->get_header_value("Content-Type"), "application/json");
  google::protobuf::Struct profile = Json(created->body).fields().at("profile").struct_value();
  EXPECT_EQ(Field(profile, "phone"), "+31612345678");  // normalized, as over gRPC
  EXPECT_FALSE(Field(profile, "createTime").empty());

  // What JSON wrote, gRPC reads: one store, one API.
  auto stub = v1::ProfileService::NewStub(heraldd_->Channel());
  v1::GetProfileRequest get;
  get.set_customer_id("anna");
  v1::GetProfileResponse response;
  ASSERT_TRUE(stub->GetProfile(Context().get(), get, &response).ok());
  EXPECT_EQ(response.profile().display_name(), "Anna de Vries");

  // The call was counted like a gRPC call of the same method.
  EXPECT_GE(heraldd_->Metric("herald_grpc_requests_total",
                             "code=\"OK\",method=\"ProfileService.CreateProfile\""),
            1);
  EXPECT_GE(heraldd_->Metric("herald_connect_requests_total",
                             "code=\"ok\",method=\"ProfileService.CreateProfile\""),
            1);
}

TEST_F(JsonApiTest, ACallerLearnsWhoItIsAndWhatItMayCall) {
  auto created = Post("KeyService/CreateApiKey",
                      R"({"apiKey": {"name": "service-desk", "role": "ROLE_VIEWER"}})");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string token = Field(Json(created->body), "token");
  auto caller = Post("KeyService/GetCaller", "{}", token);
  ASSERT_TRUE(caller);
  ASSERT_EQ(caller->status, 200) << caller->body;
  google::protobuf::Struct who = Json(caller->body);
  EXPECT_EQ(Field(who, "name"), "service-desk");
  EXPECT_THAT(Field(who, "principal"), ::testing::StartsWith("api-key:"));
  ASSERT_EQ(who.fields().at("roles").list_value().values_size(), 1);
  EXPECT_EQ(who.fields().at("roles").list_value().values(0).string_value(), "ROLE_VIEWER");
  EXPECT_FALSE(who.fields().contains("seesContactData"));  // false: a viewer sees it masked
  std::set<std::string> methods;
  for (const auto& m : who.fields().at("methods").list_value().values()) {
    methods.insert(m.string_value());
  }
  EXPECT_TRUE(methods.contains("NotificationService.WatchNotifications"));
  EXPECT_TRUE(methods.contains("TemplateService.ListTemplates"));
  EXPECT_FALSE(methods.contains("TemplateService.UpdateTemplate"));
  EXPECT_FALSE(methods.contains("PrivacyService.EraseCustomer"));
  EXPECT_FALSE(methods.contains("KeyService.CreateApiKey"));
}

TEST_F(JsonApiTest, AnInvalidRequestFailsWithTheCodeAndMessageGrpcGives) {
  const std::string bad = R"({"profile": {"customerId": "bram", "email": "not-an-address"}})";
  auto answer = Post("ProfileService/CreateProfile", bad);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  google::protobuf::Struct error = Json(answer->body);
  EXPECT_EQ(Field(error, "code"), "invalid_argument");

  auto stub = v1::ProfileService::NewStub(heraldd_->Channel());
  v1::CreateProfileRequest request;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(bad, &request).ok());
  v1::CreateProfileResponse response;
  grpc::Status status = stub->CreateProfile(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Field(error, "message"), status.error_message());
  EXPECT_THAT(Field(error, "message"), HasSubstr("email"));

  // JSON that is not the request names the field.
  auto unknown = Post("ProfileService/CreateProfile", R"({"profile": {"customer": "bram"}})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(Field(Json(unknown->body), "code"), "invalid_argument");
  EXPECT_THAT(Field(Json(unknown->body), "message"), HasSubstr("customer"));

  auto missing = Post("ProfileService/GetProfile", R"({"customerId": "nobody"})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Field(Json(missing->body), "code"), "not_found");
}

TEST_F(JsonApiTest, CallsWithoutAValidCredentialAreRefused) {
  auto none = Post("ProfileService/GetProfile", R"({"customerId": "anna"})", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Field(Json(none->body), "code"), "unauthenticated");
  EXPECT_THAT(Field(Json(none->body), "message"), HasSubstr("no credentials"));

  auto forged = Post("ProfileService/GetProfile", R"({"customerId": "anna"})", "hk_nonsense");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_GE(heraldd_->Metric("herald_auth_refused_total", "reason=\"missing\""), 1);

  // A client certificate's names cannot be claimed by a header.
  httplib::Headers claimed = {{"x-herald-client-certificate", "admin.herald.test"},
                              {"x-herald-gateway", "guess"}};
  auto spoofed = Client().Post("/herald.v1.ProfileService/GetProfile", claimed,
                               R"({"customerId": "anna"})", "application/json");
  ASSERT_TRUE(spoofed);
  EXPECT_EQ(spoofed->status, 401);
}

TEST_F(JsonApiTest, WhatIsNotAnRpcGetsAClearAnswer) {
  auto unknown = Post("ProfileService/Frobnicate", "{}");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_THAT(unknown->body, HasSubstr("is not a method here"));

  auto text = Post("ProfileService/GetProfile", "customer anna", std::nullopt, "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  EXPECT_THAT(Field(Json(text->body), "message"), HasSubstr("application/json"));

  // A stream is asked for with the streaming content type.
  auto bare = Post("NotificationService/WatchNotifications", "{}");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 415);
  EXPECT_THAT(Field(Json(bare->body), "message"), HasSubstr("application/connect+json"));
}

TEST_F(JsonApiTest, AWatchStreamsEachChangeAsItHappens) {
  ASSERT_EQ(Post("TemplateService/CreateTemplate", R"({"template": {
      "name": "order-shipped", "category": "CATEGORY_ORDER_UPDATE",
      "eventTypes": ["order.shipped"], "defaultLocale": "nl",
      "contents": [{"locale": "nl", "sms": {"text": "{{order.order_id}} is onderweg"}}]}})")
                ->status,
            200);
  ASSERT_EQ(Post("ProfileService/CreateProfile", R"({"profile": {
      "customerId": "anna", "phone": "+31612345678", "locale": "nl-NL",
      "preferredChannels": ["CHANNEL_SMS"]}})")
                ->status,
            200);

  // The watch, on its own connection, read as its envelopes arrive.
  std::mutex mu;
  std::condition_variable changed;
  StreamBody body;
  std::string established;
  std::atomic<bool> stop{false};
  auto watching = std::async(std::launch::async, [&] {
    httplib::Request request;
    request.method = "POST";
    request.path = "/herald.v1.NotificationService/WatchNotifications";
    request.headers = {{"Authorization", "Bearer " + heraldd_->admin_token()},
                       {"Connect-Protocol-Version", "1"}};
    request.body = Enveloped(R"({"filter": {"customerId": "anna"}})");
    request.set_header("Content-Type", "application/connect+json");
    request.response_handler = [&](const httplib::Response& response) {
      std::lock_guard lock(mu);
      established = response.get_header_value("herald-watch-after");
      changed.notify_all();
      return response.status == 200;
    };
    request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      std::lock_guard lock(mu);
      body.Append(data, size);
      changed.notify_all();
      return !stop.load();
    };
    return Client().send(request);
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] {
      return !established.empty() || body.end.has_value();
    })) << "the watch was not established";
    ASSERT_FALSE(established.empty()) << body.end.value_or("");
  }

  const std::string now = google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::GetCurrentTime());
  auto published = Post("EventService/PublishEvent", R"({"event": {
      "eventId": "ship-1", "eventType": "order.shipped", "customerId": "anna",
      "occurTime": ")" + now + R"(", "order": {"orderId": "A-1"}}})");
  ASSERT_TRUE(published);
  ASSERT_EQ(published->status, 200) << published->body;

  // Every change of anna's notification, in order, up to its sending.
  std::vector<std::string> states;
  {
    std::unique_lock lock(mu);
    const bool sent = changed.wait_for(lock, std::chrono::seconds(60), [&] {
      states.clear();
      for (const std::string& message : body.messages) {
        google::protobuf::Struct n = Json(message).fields().at("notification").struct_value();
        EXPECT_EQ(Field(n, "customerId"), "anna");
        EXPECT_EQ(Field(n, "eventId"), "ship-1");
        states.push_back(Field(n, "state"));
      }
      return !states.empty() && states.back() == "NOTIFICATION_STATE_SENT";
    });
    EXPECT_TRUE(sent) << ::testing::PrintToString(states) << body.end.value_or("");
  }
  EXPECT_EQ(states.front(), "NOTIFICATION_STATE_QUEUED");
  EXPECT_EQ(sms_.seen().size(), 1u);

  // The client leaves; heraldd ends the stream on its side.
  stop = true;
  auto later = Post("EventService/PublishEvent", R"({"event": {
      "eventId": "ship-2", "eventType": "order.shipped", "customerId": "anna",
      "occurTime": ")" + now + R"(", "order": {"orderId": "A-2"}}})");
  ASSERT_EQ(later->status, 200);
  ASSERT_EQ(watching.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(watching.get().error(), httplib::Error::Canceled);
  EXPECT_TRUE(WaitFor(
      [&] {
        return heraldd_->Metric("herald_connect_requests_total",
                                "method=\"NotificationService.WatchNotifications\"") >= 1;
      },
      std::chrono::seconds(30)))
      << "heraldd did not end the stream its client left";
}

TEST_F(JsonApiTest, ARefusedWatchEndsWithTheErrorInItsLastMessage) {
  httplib::Headers headers;  // no credential
  auto answer = Client().Post("/herald.v1.NotificationService/WatchNotifications", headers,
                              Enveloped("{}"), "application/connect+json");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);  // as Connect streams always answer
  StreamBody body;
  body.Append(answer->body.data(), answer->body.size());
  EXPECT_TRUE(body.messages.empty());
  ASSERT_TRUE(body.end.has_value());
  google::protobuf::Struct error = Json(*body.end).fields().at("error").struct_value();
  EXPECT_EQ(Field(error, "code"), "unauthenticated");
}

}  // namespace
}  // namespace herald::testing
