#pragma once

#include <string>
#include <string_view>

namespace herald::ingest {

/// Why an event cannot be processed. The name is what the dead-letter header and the
/// metrics carry.
enum class RejectReason {
  kUnsupportedContentType,
  kOversized,
  kInvalidUtf8,
  kMalformedProtobuf,
  kMalformedJson,
  kMissingEventId,
  kInvalidEventId,
  kUnknownEventType,
  kPayloadMismatch,
  kBadTimestamp,
  kMissingCustomer,
  kInvalidCustomerId,
  kAudienceTooLarge,
  kInvalidContactOverride,
  kInvalidAttribute,
  kUnknownCustomer,
  kInvalidProfile,
};

std::string_view Name(RejectReason reason);

/// A reason with the field concerned and what is wrong, e.g.
/// {kMissingEventId, "event_id", "must be set"}.
struct Rejection {
  RejectReason reason;
  std::string field;  // empty when the whole message is concerned
  std::string detail;

  /// "event.event_id: must be set", or just the detail.
  std::string Message() const;
};

}  // namespace herald::ingest
