#pragma once

#include <optional>
#include <string>
#include <string_view>

// W3C Trace Context (https://www.w3.org/TR/trace-context/): one trace id follows an
// event from the backend that sent it to every message Herald sends for it. It comes in
// a `traceparent` (a Kafka header or gRPC metadata) and goes out in one (the SMS
// provider's request, the email's Traceparent header), with the status topic's changes
// and in the log lines about the notification.
namespace herald::core {

/// The trace id (32 lowercase hex digits) of a valid traceparent
/// ("00-<trace id>-<parent id>-<flags>"); nullopt when it is not one (then a new trace
/// starts, as the specification asks).
std::optional<std::string> TraceIdOf(std::string_view traceparent);

/// A new random trace id, for an event that came without a valid traceparent.
std::string NewTraceId();

/// The traceparent Herald sends for one hand-off of a notification: its trace, and a
/// span id of its own derived from `span_key` (the notification id and attempt), so a
/// retry is a new span and the same attempt always the same one. Sampled.
std::string Traceparent(std::string_view trace_id, std::string_view span_key);

}  // namespace herald::core
