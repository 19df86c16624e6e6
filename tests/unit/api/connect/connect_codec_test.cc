#include "services/api/connect/connect_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "herald/v1/notification_service.pb.h"

namespace herald::api::connect {
namespace {

using ::testing::HasSubstr;

TEST(ConnectCodecTest, ContentTypesSayCodecAndFraming) {
  auto json = ParseContentType("application/json; charset=utf-8");
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->codec, Codec::kJson);
  EXPECT_FALSE(json->streaming);
  auto stream = ParseContentType("Application/Connect+Proto");
  ASSERT_TRUE(stream.has_value());
  EXPECT_EQ(stream->codec, Codec::kProto);
  EXPECT_TRUE(stream->streaming);
  EXPECT_FALSE(ParseContentType("text/plain").has_value());
  EXPECT_FALSE(ParseContentType("").has_value());
  EXPECT_FALSE(ParseContentType("application/jsonx").has_value());
  EXPECT_EQ(Name(*stream), "application/connect+proto");
}

TEST(ConnectCodecTest, CodesMapAsTheProtocolSays) {
  EXPECT_EQ(CodeName(absl::StatusCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(CodeName(absl::StatusCode::kCancelled), "canceled");
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kCancelled), 499);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDataLoss), 500);
}

TEST(ConnectCodecTest, ErrorsAreJsonWithCodeAndEscapedMessage) {
  EXPECT_EQ(ErrorJson(absl::NotFoundError("no \"anna\"\n")),
            R"({"code":"not_found","message":"no \"anna\"\n"})");
  EXPECT_EQ(ErrorJson(absl::InternalError("send <token>\x01")),
            R"({"code":"internal","message":"send <token>\u0001"})");
  EXPECT_EQ(ErrorJson(absl::CancelledError()), R"({"code":"canceled"})");
  EXPECT_EQ(EndStreamJson(absl::OkStatus()), "{}");
  EXPECT_EQ(EndStreamJson(absl::UnauthenticatedError("no credentials")),
            R"({"error":{"code":"unauthenticated","message":"no credentials"}})");
}

TEST(ConnectCodecTest, EnvelopesFrameOneMessage) {
  const std::string framed = Envelope("{}");
  EXPECT_EQ(framed, std::string("\0\0\0\0\2{}", 7));
  EXPECT_EQ(Envelope("", /*end_of_stream=*/true), std::string("\2\0\0\0\0", 5));
  auto single = SingleEnveloped(framed);
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(*single, "{}");

  EXPECT_THAT(std::string(SingleEnveloped("{}").status().message()), HasSubstr("has 2 bytes"));
  EXPECT_THAT(std::string(SingleEnveloped(framed + framed).status().message()),
              HasSubstr("says 2 bytes and 9 follow"));
  EXPECT_EQ(SingleEnveloped(std::string("\1\0\0\0\0", 5)).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(ConnectCodecTest, JsonDecodesAndEncodesWithProtobufsMapping) {
  v1::ListNotificationsRequest request;
  ASSERT_TRUE(
      Decode(
          Codec::kJson,
          R"({"filter":{"customerId":"anna","states":["NOTIFICATION_STATE_SENT"]},"pageSize":5})",
          request)
          .ok());
  EXPECT_EQ(request.filter().customer_id(), "anna");
  EXPECT_EQ(request.filter().states(0), v1::NOTIFICATION_STATE_SENT);
  EXPECT_EQ(request.page_size(), 5);
  auto json = Encode(Codec::kJson, request);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(
      *json,
      R"({"filter":{"customerId":"anna","states":["NOTIFICATION_STATE_SENT"]},"pageSize":5})");

  v1::ListNotificationsRequest empty;
  EXPECT_TRUE(Decode(Codec::kJson, "  ", empty).ok());  // the empty message
}

TEST(ConnectCodecTest, BadJsonNamesTheTypeAndTheProblem) {
  v1::ListNotificationsRequest request;
  absl::Status unknown = Decode(Codec::kJson, R"({"filter":{"customer":"anna"}})", request);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("herald.v1.ListNotificationsRequest"));
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("customer"));
  absl::Status type = Decode(Codec::kJson, R"({"pageSize":"many"})", request);
  EXPECT_EQ(type.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(type.message()), HasSubstr("page_size"));
  EXPECT_EQ(Decode(Codec::kJson, "{", request).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectCodecTest, BinaryRoundTrips) {
  v1::ListNotificationsRequest request;
  request.mutable_filter()->set_customer_id("anna");
  auto bytes = Encode(Codec::kProto, request);
  ASSERT_TRUE(bytes.ok());
  v1::ListNotificationsRequest back;
  ASSERT_TRUE(Decode(Codec::kProto, *bytes, back).ok());
  EXPECT_EQ(back.filter().customer_id(), "anna");
  EXPECT_EQ(Decode(Codec::kProto, "\xff\xff", back).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::api::connect
