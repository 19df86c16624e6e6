#pragma once
// Producing and plainly consuming on the bench's broker.

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace herald::bench {

struct Message {
  std::string topic;
  std::string key;
  std::string value;
  /// For an event: the notification its template makes for the customer.
  std::string notification_id = {};
};

std::unique_ptr<RdKafka::Conf> Conf(const std::map<std::string, std::string>& properties);
std::unique_ptr<RdKafka::Producer> NewProducer(const std::string& bootstrap,
                                               const std::string& linger_ms);
/// Queues one message (protobuf, with its content-type header), waiting while the local
/// queue is full.
void Send(RdKafka::Producer& producer, const Message& m);
/// Produces every message and waits for the broker; the seconds it took.
double Produce(const std::string& bootstrap, const std::vector<Message>& messages);
/// Reads `count` messages of `topics` with a plain consumer of its own group; the rate
/// from the first message to the last.
double RawConsumeRate(const std::string& bootstrap, const std::vector<std::string>& topics,
                      size_t count);

}  // namespace herald::bench
