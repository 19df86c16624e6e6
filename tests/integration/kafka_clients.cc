#include "tests/integration/kafka_clients.h"

#include <stdexcept>

namespace herald::testing {
namespace {

std::unique_ptr<RdKafka::Conf> Conf(const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [k, v] : properties) {
    if (conf->set(k, v, error) != RdKafka::Conf::CONF_OK) throw std::runtime_error(error);
  }
  return conf;
}

}  // namespace

TestProducer::TestProducer(const std::string& bootstrap) {
  // Events up to 16 MiB: an audience of 100,000 customers is one event of about 1.3 MB.
  auto conf = Conf(
      {{"bootstrap.servers", bootstrap}, {"linger.ms", "1"}, {"message.max.bytes", "16777216"}});
  std::string error;
  producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (producer_ == nullptr) throw std::runtime_error(error);
}

TestProducer::~TestProducer() { Flush(); }

void TestProducer::Send(const std::string& topic, const std::string& key, const std::string& value,
                        const std::string& content_type,
                        const std::map<std::string, std::string>& extra) {
  RdKafka::Headers* headers = RdKafka::Headers::create();
  if (!content_type.empty()) headers->add("content-type", content_type);
  for (const auto& [name, text] : extra) headers->add(name, text);
  RdKafka::ErrorCode err = producer_->produce(
      topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
      const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, headers, nullptr);
  if (err != RdKafka::ERR_NO_ERROR) {
    delete headers;
    throw std::runtime_error(RdKafka::err2str(err));
  }
  producer_->poll(0);
}

void TestProducer::SendTombstone(const std::string& topic, const std::string& key) {
  RdKafka::ErrorCode err =
      producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         nullptr, 0, key.data(), key.size(), 0, nullptr);
  if (err != RdKafka::ERR_NO_ERROR) throw std::runtime_error(RdKafka::err2str(err));
  producer_->poll(0);
}

void TestProducer::Flush() {
  if (producer_->flush(30'000) != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("test producer: messages not acknowledged");
  }
}

std::vector<ReadMessage> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                   size_t count, std::chrono::seconds limit) {
  auto conf = Conf({{"bootstrap.servers", bootstrap},
                    {"group.id", "herald-test-reader-" + topic},
                    {"auto.offset.reset", "earliest"},
                    {"enable.auto.commit", "false"}});
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (consumer == nullptr) throw std::runtime_error(error);
  consumer->subscribe({topic});
  std::vector<ReadMessage> out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    ReadMessage read;
    if (m->key() != nullptr) read.key = *m->key();
    read.value.assign(static_cast<const char*>(m->payload()), m->len());
    if (const RdKafka::Headers* headers = m->headers()) {
      for (const auto& h : headers->get_all()) {
        read.headers[h.key()] = std::string(static_cast<const char*>(h.value()), h.value_size());
      }
    }
    out.push_back(std::move(read));
  }
  consumer->close();
  return out;
}

}  // namespace herald::testing
