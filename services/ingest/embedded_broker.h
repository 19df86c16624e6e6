#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace herald::ingest {

/// librdkafka's mock cluster: a Kafka broker in this process that speaks the real
/// protocol on loopback ports, so kcat and other processes can use it. For one
/// machine, tests and demos; production points at a real cluster instead.
class EmbeddedBroker {
 public:
  /// Starts `brokers` brokers and creates each topic with `partitions` partitions.
  static absl::StatusOr<std::unique_ptr<EmbeddedBroker>> Start(
      int brokers, const std::vector<std::string>& topics, int partitions);
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;
  ~EmbeddedBroker();

  /// "127.0.0.1:PORT,..." for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }

 private:
  EmbeddedBroker() = default;

  rd_kafka_t* handle_ = nullptr;  // the mock cluster lives in this client's threads
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace herald::ingest
