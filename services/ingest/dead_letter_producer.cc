#include "services/ingest/dead_letter_producer.h"

#include <google/protobuf/util/time_util.h>

#include <mutex>

#include "services/core/strings.h"
#include "services/ingest/kafka_conf.h"

namespace herald::ingest {

// Counts acknowledgements and keeps the first failure of the current Send. Each Send
// tags its messages with a new generation, so late reports of an earlier, timed-out
// Send are not counted as this one's.
class DeadLetterProducer::DeliveryReports final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    std::lock_guard lock(mu_);
    if (reinterpret_cast<uintptr_t>(message.msg_opaque()) != generation_) return;
    ++done_;
    if (message.err() != RdKafka::ERR_NO_ERROR && failure_.ok()) {
      failure_ = absl::UnavailableError(
          core::StrCat("dead-letter topic ", message.topic_name(), ": ", message.errstr()));
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
  std::mutex mu_;
  uintptr_t generation_ = 0;
  size_t done_ = 0;
  absl::Status failure_;
};

absl::StatusOr<std::unique_ptr<DeadLetterProducer>> DeadLetterProducer::Create(
    const std::map<std::string, std::string>& properties, std::string topic,
    const core::Clock& clock) {
  std::map<std::string, std::string> all = properties;
  all["enable.idempotence"] = "true";
  auto conf = MakeKafkaConf(all, "kafka.properties");
  if (!conf.ok()) return conf.status();
  std::unique_ptr<DeadLetterProducer> p(new DeadLetterProducer());
  p->topic_ = std::move(topic);
  p->clock_ = &clock;
  p->reports_ = std::make_unique<DeliveryReports>();
  std::string error;
  if ((*conf)->set("dr_cb", p->reports_.get(), error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(core::StrCat("kafka: dr_cb: ", error));
  }
  p->producer_.reset(RdKafka::Producer::create(conf->get(), error));
  if (p->producer_ == nullptr) {
    return absl::InvalidArgumentError(
        core::StrCat("kafka: cannot create the dead-letter producer: ", error));
  }
  return p;
}

DeadLetterProducer::~DeadLetterProducer() {
  if (producer_ != nullptr) producer_->flush(5000);
}

absl::Status DeadLetterProducer::Send(const std::vector<DeadLetter>& letters,
                                      std::chrono::milliseconds limit) {
  if (letters.empty()) return absl::OkStatus();
  void* const generation = reinterpret_cast<void*>(reports_->Reset());
  const std::string now = google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          clock_->Now().time_since_epoch().count()));
  for (const DeadLetter& letter : letters) {
    RdKafka::Headers* headers = RdKafka::Headers::create();
    headers->add("herald-dlq-reason", std::string(Name(letter.rejection.reason)));
    headers->add("herald-dlq-detail", letter.rejection.Message());
    headers->add("herald-source-topic", letter.source_topic);
    headers->add("herald-source-partition", std::to_string(letter.source_partition));
    headers->add("herald-source-offset", std::to_string(letter.source_offset));
    headers->add("herald-dlq-time", now);
    if (!letter.content_type.empty()) headers->add("content-type", letter.content_type);
    RdKafka::ErrorCode err;
    while (true) {
      err = producer_->produce(topic_, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                               const_cast<char*>(letter.value.data()), letter.value.size(),
                               letter.key.data(), letter.key.size(), 0, headers, generation);
      if (err != RdKafka::ERR__QUEUE_FULL) break;
      producer_->poll(100);  // let deliveries drain the local queue
    }
    if (err != RdKafka::ERR_NO_ERROR) {
      delete headers;  // ownership passes to librdkafka only on success
      return absl::UnavailableError(
          core::StrCat("dead-letter topic ", topic_, ": ", RdKafka::err2str(err)));
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (reports_->done() < letters.size() && std::chrono::steady_clock::now() < deadline) {
    producer_->poll(50);
  }
  if (reports_->done() < letters.size()) {
    return absl::DeadlineExceededError(core::StrCat("dead-letter topic ", topic_, ": ",
                                                    letters.size() - reports_->done(),
                                                    " letters not acknowledged in time"));
  }
  return reports_->failure();
}

}  // namespace herald::ingest
