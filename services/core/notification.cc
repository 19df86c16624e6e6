#include "services/core/notification.h"

#include <openssl/evp.h>

#include "services/core/name_table.h"

namespace herald::core {
namespace {

constexpr NameTable<NotificationState, 11> kStates{{
    {NotificationState::kPending, "PENDING"},
    {NotificationState::kQueued, "QUEUED"},
    {NotificationState::kDeferred, "DEFERRED"},
    {NotificationState::kSuppressed, "SUPPRESSED"},
    {NotificationState::kSending, "SENDING"},
    {NotificationState::kSent, "SENT"},
    {NotificationState::kDelivered, "DELIVERED"},
    {NotificationState::kBounced, "BOUNCED"},
    {NotificationState::kFailed, "FAILED"},
    {NotificationState::kUnknown, "UNKNOWN"},
    {NotificationState::kCancelled, "CANCELLED"},
}};

constexpr NameTable<AttemptResult, 4> kAttemptResults{{
    {AttemptResult::kAccepted, "ACCEPTED"},
    {AttemptResult::kRetryableFailure, "RETRYABLE_FAILURE"},
    {AttemptResult::kPermanentFailure, "PERMANENT_FAILURE"},
    {AttemptResult::kInterrupted, "INTERRUPTED"},
}};

}  // namespace

std::string_view Name(AttemptResult result) { return NameIn(kAttemptResults, result); }

std::optional<AttemptResult> ParseAttemptResult(std::string_view name) {
  return ParseIn(kAttemptResults, name);
}

std::string_view Name(PurgeReason reason) {
  return reason == PurgeReason::kErasure ? "ERASURE" : "RETENTION";
}

std::string_view Name(NotificationState state) { return NameIn(kStates, state); }

std::optional<NotificationState> ParseNotificationState(std::string_view name) {
  return ParseIn(kStates, name);
}

std::string NotificationId(std::string_view event_id, std::string_view customer_id,
                           std::string_view template_name) {
  // SHA-256 over the three parts with their lengths, so ("ab","c") != ("a","bc").
  std::string input;
  for (std::string_view part : {event_id, customer_id, template_name}) {
    input.append(std::to_string(part.size())).push_back(':');
    input.append(part);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "n-";
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 0xf]);
  }
  return id;
}

}  // namespace herald::core
