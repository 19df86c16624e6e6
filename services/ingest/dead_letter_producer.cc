#include "services/ingest/dead_letter_producer.h"

#include <google/protobuf/util/time_util.h>

#include "services/core/masking.h"
#include "services/core/strings.h"

namespace herald::ingest {

absl::StatusOr<std::unique_ptr<DeadLetterProducer>> DeadLetterProducer::Create(
    const std::map<std::string, std::string>& properties, std::string topic,
    const core::Clock& clock) {
  auto producer = TopicProducer::Create(properties, std::move(topic), "dead-letter topic");
  if (!producer.ok()) return producer.status();
  std::unique_ptr<DeadLetterProducer> p(new DeadLetterProducer());
  p->clock_ = &clock;
  p->producer_ = *std::move(producer);
  return p;
}

absl::Status DeadLetterProducer::Send(const std::vector<DeadLetter>& letters,
                                      std::chrono::milliseconds limit) {
  const std::string now = google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          clock_->Now().time_since_epoch().count()));
  std::vector<TopicRecord> records;
  records.reserve(letters.size());
  for (const DeadLetter& letter : letters) {
    TopicRecord& r = records.emplace_back();
    r.key = letter.key;
    r.value = letter.value;
    r.headers = {{"herald-dlq-reason", std::string(Name(letter.rejection.reason))},
                 {"herald-dlq-detail", core::MaskContactData(letter.rejection.Message())},
                 {"herald-source-topic", letter.source_topic},
                 {"herald-source-partition", std::to_string(letter.source_partition)},
                 {"herald-source-offset", std::to_string(letter.source_offset)},
                 {"herald-dlq-time", now}};
    if (!letter.content_type.empty()) r.headers.emplace_back("content-type", letter.content_type);
    if (!letter.traceparent.empty()) r.headers.emplace_back("traceparent", letter.traceparent);
  }
  return producer_->Send(records, limit);
}

}  // namespace herald::ingest
