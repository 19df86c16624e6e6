#include "services/ingest/rejection.h"

#include "services/core/strings.h"

namespace herald::ingest {

std::string_view Name(RejectReason reason) {
  switch (reason) {
    case RejectReason::kUnsupportedContentType:
      return "UNSUPPORTED_CONTENT_TYPE";
    case RejectReason::kOversized:
      return "OVERSIZED";
    case RejectReason::kInvalidUtf8:
      return "INVALID_UTF8";
    case RejectReason::kMalformedProtobuf:
      return "MALFORMED_PROTOBUF";
    case RejectReason::kMalformedJson:
      return "MALFORMED_JSON";
    case RejectReason::kMissingEventId:
      return "MISSING_EVENT_ID";
    case RejectReason::kInvalidEventId:
      return "INVALID_EVENT_ID";
    case RejectReason::kUnknownEventType:
      return "UNKNOWN_EVENT_TYPE";
    case RejectReason::kPayloadMismatch:
      return "PAYLOAD_MISMATCH";
    case RejectReason::kBadTimestamp:
      return "BAD_TIMESTAMP";
    case RejectReason::kMissingCustomer:
      return "MISSING_CUSTOMER";
    case RejectReason::kInvalidCustomerId:
      return "INVALID_CUSTOMER_ID";
    case RejectReason::kAudienceTooLarge:
      return "AUDIENCE_TOO_LARGE";
    case RejectReason::kInvalidContactOverride:
      return "INVALID_CONTACT_OVERRIDE";
    case RejectReason::kInvalidAttribute:
      return "INVALID_ATTRIBUTE";
    case RejectReason::kUnknownCustomer:
      return "UNKNOWN_CUSTOMER";
    case RejectReason::kInvalidProfile:
      return "INVALID_PROFILE";
  }
  return "UNKNOWN";
}

std::string Rejection::Message() const {
  return field.empty() ? detail : core::StrCat("event.", field, ": ", detail);
}

}  // namespace herald::ingest
