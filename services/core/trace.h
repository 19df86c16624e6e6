#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// W3C Trace Context (https://www.w3.org/TR/trace-context/): one trace id follows an
// event from the backend that sent it to every message Herald sends for it. It comes in
// a `traceparent` (a Kafka header or gRPC metadata) and goes out in one (the SMS
// provider's request, the email's Traceparent header), with the status topic's changes
// and in the log lines about the notification.
namespace herald::core {

/// A trace id: 32 lowercase hex digits, not all zero; or none (an event recorded
/// before traces were kept). Kept inline: every notification carries one.
class TraceId {
 public:
  TraceId() = default;
  /// The id `hex` spells; nullopt when it is not 32 lowercase hex digits, not all zero.
  static std::optional<TraceId> FromHex(std::string_view hex);

  /// The 32 digits; "" for none.
  std::string_view hex() const { return {digits_.data(), set_ ? digits_.size() : 0}; }
  bool empty() const { return !set_; }
  bool operator==(const TraceId& other) const { return hex() == other.hex(); }

 private:
  std::array<char, 32> digits_{};
  bool set_ = false;
};

/// The trace id of a valid traceparent ("00-<trace id>-<parent id>-<flags>"); nullopt
/// when it is not one (then a new trace starts, as the specification asks).
std::optional<TraceId> TraceIdOf(std::string_view traceparent);

/// A new random trace id, for an event that came without a valid traceparent.
TraceId NewTraceId();

/// The traceparent Herald sends for one hand-off of a notification (or one status
/// change): its trace, and a span id of its own derived from `span_key` (e.g. the
/// notification id and attempt), so a retry is a new span and the same attempt always
/// the same one. Sampled.
std::string Traceparent(const TraceId& trace, std::string_view span_key);

}  // namespace herald::core
