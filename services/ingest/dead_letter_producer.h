#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/ingest/rejection.h"
#include "services/ingest/topic_producer.h"

namespace herald::ingest {

/// A message that could not be processed, with where it came from.
struct DeadLetter {
  std::string key;
  std::string value;  // the original bytes
  std::string content_type;
  Rejection rejection;
  std::string source_topic;
  int32_t source_partition = 0;
  int64_t source_offset = 0;
  /// The W3C traceparent it came with; kept on the letter, and on its replay.
  std::string traceparent = {};
};

/// Puts dead letters on the dead-letter topic: the original key and bytes, with
/// headers herald-dlq-reason, herald-dlq-detail, herald-source-topic,
/// herald-source-partition, herald-source-offset, herald-dlq-time, content-type and the
/// traceparent it came with.
/// Idempotent producer; Send returns only when the broker has every letter.
class DeadLetterProducer {
 public:
  static absl::StatusOr<std::unique_ptr<DeadLetterProducer>> Create(
      const std::map<std::string, std::string>& properties, std::string topic,
      const core::Clock& clock);

  /// Produces every letter and waits for the broker to acknowledge all of them, up to
  /// `limit`. An error means some may be missing: send the batch again.
  absl::Status Send(const std::vector<DeadLetter>& letters, std::chrono::milliseconds limit);

  const std::string& topic() const { return producer_->topic(); }

 private:
  DeadLetterProducer() = default;

  const core::Clock* clock_ = nullptr;
  std::unique_ptr<TopicProducer> producer_;
};

}  // namespace herald::ingest
