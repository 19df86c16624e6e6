#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>

#include "herald/v1/event.pb.h"
#include "services/ingest/rejection.h"

namespace herald::ingest {

/// How an event's bytes are encoded, from its content-type header.
enum class Encoding { kProtobuf, kJson };

/// The encoding for a content type: protobuf when absent, "application/x-protobuf",
/// "application/protobuf" or "application/vnd.google.protobuf"; JSON (protobuf's JSON
/// mapping) for "application/json". Parameters (";charset=utf-8") are ignored.
std::variant<Encoding, Rejection> EncodingOf(std::string_view content_type);

/// The OVERSIZED rejection for a message of `size` bytes.
Rejection OversizedRejection(size_t size, size_t max_bytes);

/// Parses `out` from protobuf or protobuf-JSON bytes. Unknown JSON fields, wrong JSON
/// types, broken wire format, invalid UTF-8 and bodies over max_bytes are rejections
/// with their reason; nullopt on success.
std::optional<Rejection> DecodeMessage(std::string_view body, std::string_view content_type,
                                       size_t max_bytes, google::protobuf::Message& out);

/// Parses an event. Unknown JSON fields, wrong JSON types, broken wire format,
/// invalid UTF-8 and bodies over max_bytes are rejections with their reason.
std::variant<v1::Event, Rejection> DecodeEvent(std::string_view body, std::string_view content_type,
                                               size_t max_bytes);

}  // namespace herald::ingest
