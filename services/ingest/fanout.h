#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/ingest/topic_producer.h"

namespace herald::ingest {

/// One customer of an audience event (an outage), handed on by the instance that read
/// the event to whichever instance owns the customer: the decision is made there, so
/// that a large audience's work is spread over every instance.
struct FanoutWork {
  int64_t event_seq = 0;  // the event as recorded by the instance that split it
  std::string event_id;
  std::string customer_id;
  /// When the event was appended to its topic (for append-to-decision latency).
  core::Time append_time;

  bool operator==(const FanoutWork&) const = default;
};

/// Where audience events are split to. OK once every work item is durably handed on.
class FanoutSink {
 public:
  virtual ~FanoutSink() = default;
  virtual absl::Status Publish(const std::vector<FanoutWork>& work) = 0;
};

/// The internal topic's record of one work item: keyed by the customer, so that it
/// lands on the customer's partition (the topic is co-partitioned with the event topics).
TopicRecord FanoutRecord(const FanoutWork& work);
/// nullopt when the record is not one this version writes.
std::optional<FanoutWork> ReadFanoutRecord(std::string_view key, std::string_view value);

/// FanoutSink on a Kafka topic, produced with Kafka's default (murmur2) partitioner, as
/// Java producers key the event topics.
class KafkaFanout final : public FanoutSink {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaFanout>> Create(
      std::map<std::string, std::string> properties, const std::string& topic);
  absl::Status Publish(const std::vector<FanoutWork>& work) override;

 private:
  explicit KafkaFanout(std::unique_ptr<TopicProducer> producer) : producer_(std::move(producer)) {}
  std::unique_ptr<TopicProducer> producer_;
};

}  // namespace herald::ingest
