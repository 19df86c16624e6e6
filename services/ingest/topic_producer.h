#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace herald::ingest {

/// One message to produce: key (the partition follows it), value and headers.
struct TopicRecord {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Produces to one topic with an idempotent producer (no duplicates from its own
/// retries; records with the same key keep their order), and waits for the broker.
class TopicProducer {
 public:
  /// `what` names the topic's role in errors, e.g. "dead-letter topic". A record the
  /// broker has not acknowledged within `delivery_timeout` fails (librdkafka's
  /// message.timeout.ms, unless the properties set it), so a Send that timed out leaves
  /// nothing behind to arrive after its records are sent again.
  static absl::StatusOr<std::unique_ptr<TopicProducer>> Create(
      const std::map<std::string, std::string>& properties, std::string topic, std::string what,
      std::chrono::milliseconds delivery_timeout = std::chrono::seconds(10));
  ~TopicProducer();

  /// Produces every record in order and waits until the broker has acknowledged all of
  /// them, up to `limit`. An error means some may be missing: send them again. Records
  /// of an earlier Send still in the producer's queue are waited for first (they
  /// either arrive or fail within delivery_timeout), and a producer that hit a fatal
  /// error is made anew.
  absl::Status Send(const std::vector<TopicRecord>& records, std::chrono::milliseconds limit);

  const std::string& topic() const { return topic_; }

 private:
  class DeliveryReports;
  TopicProducer() = default;

  /// A new producer from conf_ (at creation and after a fatal error).
  absl::Status MakeProducer();

  std::unique_ptr<RdKafka::Conf> conf_;
  std::string topic_;
  std::string what_;
  std::unique_ptr<DeliveryReports> reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

}  // namespace herald::ingest
