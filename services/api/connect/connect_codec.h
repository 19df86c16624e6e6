#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

/// The Connect protocol's wire format (connectrpc.com/docs/protocol): content types,
/// error bodies, and the envelopes of a streamed body.
namespace herald::api::connect {

/// How messages are encoded: protobuf's JSON mapping, or its binary form.
enum class Codec { kJson, kProto };

/// What a request's Content-Type says: the codec, and whether the body is a stream of
/// enveloped messages (application/connect+json) or one bare message (application/json).
struct ContentType {
  Codec codec = Codec::kJson;
  bool streaming = false;
};

/// application/json, application/proto, application/connect+json or
/// application/connect+proto (parameters such as charset=utf-8 are ignored); null for
/// anything else.
std::optional<ContentType> ParseContentType(std::string_view header);
std::string_view Name(ContentType type);

/// Connect's name of a status code ("invalid_argument"), and the HTTP status a unary
/// call answers with it.
std::string_view CodeName(absl::StatusCode code);
int HttpStatusOf(absl::StatusCode code);

/// A unary call's error body: {"code":"invalid_argument","message":"..."}.
std::string ErrorJson(const absl::Status& status);
/// The last envelope's JSON in a stream: {} when it ended well, else {"error":{...}}.
std::string EndStreamJson(const absl::Status& status);

/// One message framed as a stream carries it: a flags byte (0x02 marks the end of the
/// stream), its length as 4 bytes big-endian, then the message.
std::string Envelope(std::string_view message, bool end_of_stream = false);
/// The one message a server-streaming request's body holds; an error says what is wrong
/// with the framing.
absl::StatusOr<std::string_view> SingleEnveloped(std::string_view body);

/// Reads `message` from the wire; INVALID_ARGUMENT naming the message type and what is
/// wrong (an unknown field, a value of the wrong type, bytes that do not parse).
absl::Status Decode(Codec codec, std::string_view data, google::protobuf::Message& message);
absl::StatusOr<std::string> Encode(Codec codec, const google::protobuf::Message& message);

}  // namespace herald::api::connect
