#include "services/ingest/event_decoder.h"

#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "services/core/strings.h"

namespace herald::ingest {

std::variant<Encoding, Rejection> EncodingOf(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  type = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(type)));
  if (type.empty() || type == "application/x-protobuf" || type == "application/protobuf" ||
      type == "application/vnd.google.protobuf") {
    return Encoding::kProtobuf;
  }
  if (type == "application/json") return Encoding::kJson;
  return Rejection{RejectReason::kUnsupportedContentType, "",
                   core::StrCat("content-type \"", content_type,
                                "\" is neither application/x-protobuf nor application/json")};
}

Rejection OversizedRejection(size_t size, size_t max_bytes) {
  return Rejection{
      RejectReason::kOversized, "",
      core::StrCat("message is ", size, " bytes; at most ", max_bytes, " are accepted")};
}

std::optional<Rejection> DecodeMessage(std::string_view body, std::string_view content_type,
                                       size_t max_bytes, google::protobuf::Message& out) {
  const std::string& name = out.GetDescriptor()->full_name();
  if (body.size() > max_bytes) return OversizedRejection(body.size(), max_bytes);
  auto encoding = EncodingOf(content_type);
  if (auto* rejection = std::get_if<Rejection>(&encoding)) return *rejection;

  if (std::get<Encoding>(encoding) == Encoding::kJson) {
    if (!core::IsValidUtf8(body)) {
      return Rejection{RejectReason::kInvalidUtf8, "", "the JSON body is not valid UTF-8"};
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(body.data(), body.size()), &out, options);
    if (!status.ok()) {
      const auto message = status.message();
      return Rejection{RejectReason::kMalformedJson, "",
                       core::StrCat("not a ", name, " in JSON: ",
                                    std::string_view(message.data(), message.size()))};
    }
    return std::nullopt;
  }
  if (out.ParseFromArray(body.data(), static_cast<int>(body.size()))) return std::nullopt;
  // Parsing fails for broken wire format and for invalid UTF-8 in a string field; a
  // schema-less parse tells the two apart.
  google::protobuf::UnknownFieldSet wire;
  if (wire.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Rejection{RejectReason::kInvalidUtf8, "",
                     core::StrCat("a text field of the protobuf ", name, " is not valid UTF-8")};
  }
  return Rejection{
      RejectReason::kMalformedProtobuf, "",
      core::StrCat("not a ", name, " in protobuf wire format (", body.size(), " bytes)")};
}

std::variant<v1::Event, Rejection> DecodeEvent(std::string_view body, std::string_view content_type,
                                               size_t max_bytes) {
  v1::Event event;
  if (auto rejection = DecodeMessage(body, content_type, max_bytes, event)) return *rejection;
  return event;
}

}  // namespace herald::ingest
