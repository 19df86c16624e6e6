#include "services/api/connect/connect_codec.h"

#include <google/protobuf/util/json_util.h>

#include <array>

#include "services/core/strings.h"

namespace herald::api::connect {
namespace {

constexpr uint8_t kEndOfStream = 0x02;
constexpr uint8_t kCompressed = 0x01;
constexpr size_t kPrefix = 5;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// A JSON string literal.
std::string Quoted(std::string_view text) {
  std::string out;
  core::AppendJsonString(out, text);
  return out;
}

// {"code":"...","message":"..."}, in that order.
std::string ErrorObject(const absl::Status& status) {
  std::string out = core::StrCat(R"({"code":")", CodeName(status.code()), "\"");
  if (!status.message().empty()) {
    out += core::StrCat(R"(,"message":)",
                        Quoted(std::string_view(status.message().data(), status.message().size())));
  }
  return out + "}";
}

}  // namespace

std::optional<ContentType> ParseContentType(std::string_view header) {
  std::string_view type = Trim(header.substr(0, header.find(';')));
  struct Known {
    std::string_view name;
    ContentType type;
  };
  static constexpr std::array<Known, 4> kKnown = {{
      {"application/json", {Codec::kJson, false}},
      {"application/proto", {Codec::kProto, false}},
      {"application/connect+json", {Codec::kJson, true}},
      {"application/connect+proto", {Codec::kProto, true}},
  }};
  for (const Known& known : kKnown) {
    if (EqualsIgnoringCase(type, known.name)) return known.type;
  }
  return std::nullopt;
}

std::string_view Name(ContentType type) {
  if (type.streaming) {
    return type.codec == Codec::kJson ? "application/connect+json" : "application/connect+proto";
  }
  return type.codec == Codec::kJson ? "application/json" : "application/proto";
}

std::string_view CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kCancelled:
      return "canceled";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_exists";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kAborted:
      return "aborted";
    case absl::StatusCode::kOutOfRange:
      return "out_of_range";
    case absl::StatusCode::kUnimplemented:
      return "unimplemented";
    case absl::StatusCode::kInternal:
      return "internal";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    default:  // unknown, internal, data_loss
      return 500;
  }
}

std::string ErrorJson(const absl::Status& status) { return ErrorObject(status); }

std::string EndStreamJson(const absl::Status& status) {
  if (status.ok()) return "{}";
  return core::StrCat(R"({"error":)", ErrorObject(status), "}");
}

std::string Envelope(std::string_view message, bool end_of_stream) {
  std::string out;
  out.reserve(kPrefix + message.size());
  out.push_back(static_cast<char>(end_of_stream ? kEndOfStream : 0));
  const auto size = static_cast<uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
  out.append(message);
  return out;
}

absl::StatusOr<std::string_view> SingleEnveloped(std::string_view body) {
  if (body.size() < kPrefix) {
    return absl::InvalidArgumentError(core::StrCat(
        "a streaming request's body is one enveloped message (5 bytes of prefix, then the "
        "message); this one has ",
        body.size(), " bytes"));
  }
  const auto flags = static_cast<uint8_t>(body[0]);
  if ((flags & kCompressed) != 0) {
    return absl::UnimplementedError("compressed messages are not accepted (flags 0x01)");
  }
  if (flags != 0) {
    return absl::InvalidArgumentError(
        core::StrCat("the request's envelope has flags ", static_cast<int>(flags), "; 0 expected"));
  }
  uint32_t size = 0;
  for (size_t i = 1; i < kPrefix; ++i) size = (size << 8) | static_cast<uint8_t>(body[i]);
  if (size != body.size() - kPrefix) {
    return absl::InvalidArgumentError(
        core::StrCat("the request's envelope says ", size, " bytes and ", body.size() - kPrefix,
                     " follow; a server-streaming call takes exactly one message"));
  }
  return body.substr(kPrefix);
}

absl::Status Decode(Codec codec, std::string_view data, google::protobuf::Message& message) {
  const std::string& type = message.GetDescriptor()->full_name();
  if (codec == Codec::kProto) {
    if (!message.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
      return absl::InvalidArgumentError(core::StrCat("the body is not a binary ", type));
    }
    return absl::OkStatus();
  }
  // An empty body is the empty message, as Connect's clients send it.
  if (Trim(data).empty()) return absl::OkStatus();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(data.data(), data.size()), &message, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(core::StrCat(
        "the body is not a ", type,
        " in JSON: ", std::string_view(parsed.message().data(), parsed.message().size())));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Encode(Codec codec, const google::protobuf::Message& message) {
  std::string out;
  if (codec == Codec::kProto) {
    if (!message.SerializeToString(&out)) {
      return absl::InternalError(
          core::StrCat("cannot serialize a ", message.GetDescriptor()->full_name()));
    }
    return out;
  }
  if (!google::protobuf::util::MessageToJsonString(message, &out).ok()) {
    return absl::InternalError(
        core::StrCat("cannot print a ", message.GetDescriptor()->full_name(), " as JSON"));
  }
  return out;
}

}  // namespace herald::api::connect
