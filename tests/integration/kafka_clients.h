#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace herald::testing {

/// A plain librdkafka producer, as a backend system would use one.
class TestProducer {
 public:
  explicit TestProducer(const std::string& bootstrap);
  ~TestProducer();
  /// Produces and waits for the broker's acknowledgement.
  void Send(const std::string& topic, const std::string& key, const std::string& value,
            const std::string& content_type = "",
            const std::map<std::string, std::string>& headers = {});
  /// A message with a key and no value, which deletes on compacted topics.
  void SendTombstone(const std::string& topic, const std::string& key);
  void Flush();

 private:
  std::unique_ptr<RdKafka::Producer> producer_;
};

/// A message read back, with its headers.
struct ReadMessage {
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

/// Reads a topic from the beginning until `count` messages arrived or `limit` passed.
std::vector<ReadMessage> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                   size_t count, std::chrono::seconds limit);

}  // namespace herald::testing
