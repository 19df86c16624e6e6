#include "tools/bench/kafka.h"

#include <algorithm>

#include "tools/bench/common.h"

namespace herald::bench {

std::unique_ptr<RdKafka::Conf> Conf(const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [k, v] : properties) {
    if (conf->set(k, v, error) != RdKafka::Conf::CONF_OK) Fail("kafka " + k + ": " + error);
  }
  return conf;
}

std::unique_ptr<RdKafka::Producer> NewProducer(const std::string& bootstrap,
                                               const std::string& linger_ms) {
  auto conf = Conf({{"bootstrap.servers", bootstrap},
                    {"linger.ms", linger_ms},
                    {"queue.buffering.max.messages", "1000000"}});
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (producer == nullptr) Fail("producer: " + error);
  return producer;
}

void Send(RdKafka::Producer& producer, const Message& m) {
  RdKafka::Headers* headers = RdKafka::Headers::create();
  headers->add("content-type", "application/x-protobuf");
  while (true) {
    RdKafka::ErrorCode err =
        producer.produce(m.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         const_cast<char*>(m.value.data()), m.value.size(), m.key.data(),
                         m.key.size(), 0, headers, nullptr);
    if (err == RdKafka::ERR_NO_ERROR) return;
    if (err != RdKafka::ERR__QUEUE_FULL) Fail("produce: " + RdKafka::err2str(err));
    producer.poll(10);
  }
}

double Produce(const std::string& bootstrap, const std::vector<Message>& messages) {
  std::unique_ptr<RdKafka::Producer> producer = NewProducer(bootstrap, "5");
  const auto start = Clock::now();
  for (const Message& m : messages) Send(*producer, m);
  if (producer->flush(120'000) != RdKafka::ERR_NO_ERROR) Fail("produce: not all acknowledged");
  return Seconds(Clock::now() - start);
}

double RawConsumeRate(const std::string& bootstrap, const std::vector<std::string>& topics,
                      size_t count) {
  auto conf = Conf({{"bootstrap.servers", bootstrap},
                    {"group.id", "herald-bench-raw"},
                    {"auto.offset.reset", "earliest"},
                    {"enable.auto.commit", "false"},
                    // As heraldd's consumer: librdkafka 2.0.2 stalls fetching without these.
                    {"queued.min.messages", "1000000"},
                    {"queued.max.messages.kbytes", "65536"},
                    {"fetch.wait.max.ms", "10"}});
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (consumer == nullptr) Fail("consumer: " + error);
  consumer->subscribe(topics);
  size_t seen = 0;
  Clock::time_point first;
  Clock::time_point last;
  const auto give_up = Clock::now() + std::chrono::minutes(10);
  while (seen < count && Clock::now() < give_up) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    if (seen == 0) first = Clock::now();
    last = Clock::now();
    ++seen;
  }
  consumer->close();
  if (seen < count) Fail("the raw consumer read only " + std::to_string(seen));
  return count / std::max(Seconds(last - first), 1e-6);
}

}  // namespace herald::bench
