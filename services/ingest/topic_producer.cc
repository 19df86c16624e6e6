#include "services/ingest/topic_producer.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "services/core/strings.h"
#include "services/ingest/kafka_conf.h"

namespace herald::ingest {

// Counts acknowledgements and keeps the first failure of the current Send. Each Send
// tags its messages with a new generation, so late reports of an earlier, timed-out
// Send are not counted as this one's.
class TopicProducer::DeliveryReports final : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryReports(std::string what) : what_(std::move(what)) {}

  void dr_cb(RdKafka::Message& message) override {
    std::lock_guard lock(mu_);
    if (reinterpret_cast<uintptr_t>(message.msg_opaque()) != generation_) return;
    ++done_;
    if (message.err() != RdKafka::ERR_NO_ERROR && failure_.ok()) {
      failure_ = absl::UnavailableError(
          core::StrCat(what_, " ", message.topic_name(), ": ", message.errstr()));
    }
  }
  /// Starts a new Send; returns its generation tag.
  uintptr_t Reset() {
    std::lock_guard lock(mu_);
    done_ = 0;
    failure_ = absl::OkStatus();
    return ++generation_;
  }
  size_t done() {
    std::lock_guard lock(mu_);
    return done_;
  }
  absl::Status failure() {
    std::lock_guard lock(mu_);
    return failure_;
  }

 private:
  const std::string what_;
  std::mutex mu_;
  uintptr_t generation_ = 0;
  size_t done_ = 0;
  absl::Status failure_;
};

absl::StatusOr<std::unique_ptr<TopicProducer>> TopicProducer::Create(
    const std::map<std::string, std::string>& properties, std::string topic, std::string what,
    std::chrono::milliseconds delivery_timeout) {
  std::map<std::string, std::string> all = properties;
  all["enable.idempotence"] = "true";
  all.try_emplace("message.timeout.ms", std::to_string(delivery_timeout.count()));
  auto conf = MakeKafkaConf(all, "kafka.properties");
  if (!conf.ok()) return conf.status();
  std::unique_ptr<TopicProducer> p(new TopicProducer());
  p->conf_ = *std::move(conf);
  p->topic_ = std::move(topic);
  p->what_ = std::move(what);
  p->reports_ = std::make_unique<DeliveryReports>(p->what_);
  std::string error;
  if (p->conf_->set("dr_cb", p->reports_.get(), error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(core::StrCat("kafka: dr_cb: ", error));
  }
  absl::Status made = p->MakeProducer();
  if (!made.ok()) return made;
  return p;
}

absl::Status TopicProducer::MakeProducer() {
  std::string error;
  producer_.reset(RdKafka::Producer::create(conf_.get(), error));
  if (producer_ == nullptr) {
    return absl::InvalidArgumentError(
        core::StrCat("kafka: cannot create the producer for the ", what_, ": ", error));
  }
  return absl::OkStatus();
}

TopicProducer::~TopicProducer() {
  // Send waited for what mattered; what is left fails within delivery_timeout anyway.
  if (producer_ != nullptr) producer_->flush(1000);
}

absl::Status TopicProducer::Send(const std::vector<TopicRecord>& records,
                                 std::chrono::milliseconds limit) {
  if (records.empty()) return absl::OkStatus();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string reason;
  if (producer_->fatal_error(reason) != RdKafka::ERR_NO_ERROR) {
    spdlog::error("msg=\"kafka producer failed for good; making a new one\" topic={} error=\"{}\"",
                  topic_, reason);
    absl::Status made = MakeProducer();
    if (!made.ok()) return made;
  }
  // What an earlier, timed-out Send left in the queue arrives or fails first: never
  // after this Send's copies of the same records.
  while (producer_->outq_len() > 0 && std::chrono::steady_clock::now() < deadline) {
    producer_->poll(50);
  }
  if (producer_->outq_len() > 0) {
    return absl::UnavailableError(core::StrCat(what_, " ", topic_, ": ", producer_->outq_len(),
                                               " earlier messages still unacknowledged"));
  }
  void* const generation = reinterpret_cast<void*>(reports_->Reset());
  for (const TopicRecord& record : records) {
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [name, value] : record.headers) headers->add(name, value);
    RdKafka::ErrorCode err;
    while (true) {
      err = producer_->produce(topic_, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                               const_cast<char*>(record.value.data()), record.value.size(),
                               record.key.data(), record.key.size(), 0, headers, generation);
      if (err != RdKafka::ERR__QUEUE_FULL || std::chrono::steady_clock::now() >= deadline) break;
      producer_->poll(100);  // let deliveries drain the local queue
    }
    if (err != RdKafka::ERR_NO_ERROR) {
      delete headers;  // ownership passes to librdkafka only on success
      return absl::UnavailableError(core::StrCat(what_, " ", topic_, ": ", RdKafka::err2str(err)));
    }
  }
  while (reports_->done() < records.size() && std::chrono::steady_clock::now() < deadline) {
    producer_->poll(50);
  }
  if (reports_->done() < records.size()) {
    return absl::DeadlineExceededError(core::StrCat(what_, " ", topic_, ": ",
                                                    records.size() - reports_->done(),
                                                    " messages not acknowledged in time"));
  }
  return reports_->failure();
}

}  // namespace herald::ingest
