// Event decoding: the bytes of a Kafka message, as protobuf (first byte even) or as
// protobuf-JSON (odd), through decoding and validation. Every input must end in an
// event or a rejection with a reason; nothing may crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "services/core/clock.h"
#include "services/ingest/event_decoder.h"
#include "services/ingest/event_validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view content_type = (data[0] % 2 == 0) ? "" : "application/json";
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  herald::ingest::EventLimits limits;
  limits.max_event_bytes = 64 * 1024;
  auto decoded = herald::ingest::DecodeEvent(body, content_type, limits.max_event_bytes);
  if (const auto* event = std::get_if<herald::v1::Event>(&decoded)) {
    const auto now = herald::core::Time() + std::chrono::hours(24 * 365 * 56);
    auto validated = herald::ingest::ValidateEvent(*event, limits, now);
    if (const auto* rejection = std::get_if<herald::ingest::Rejection>(&validated)) {
      if (rejection->detail.empty()) __builtin_trap();  // every rejection says why
    }
  } else if (std::get<herald::ingest::Rejection>(decoded).detail.empty()) {
    __builtin_trap();
  }
  return 0;
}
