#include "services/ingest/dead_letters.h"

#include <charconv>

#include "services/core/strings.h"
#include "services/ingest/kafka_conf.h"

namespace herald::ingest {
namespace {

constexpr std::chrono::milliseconds kWait{5000};

absl::Status KafkaError(std::string_view what, RdKafka::ErrorCode code) {
  return absl::UnavailableError(
      core::StrCat("dead-letter topic: ", what, ": ", RdKafka::err2str(code)));
}

StoredDeadLetter FromMessage(RdKafka::Message& message) {
  StoredDeadLetter letter;
  letter.partition = message.partition();
  letter.offset = message.offset();
  if (message.key() != nullptr) letter.key = *message.key();
  letter.value.assign(static_cast<const char*>(message.payload()), message.len());
  if (const RdKafka::Headers* headers = message.headers(); headers != nullptr) {
    for (const RdKafka::Headers::Header& header : headers->get_all()) {
      letter.headers[header.key()] =
          header.value() == nullptr
              ? std::string()
              : std::string(static_cast<const char*>(header.value()), header.value_size());
    }
  }
  return letter;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::string StoredDeadLetter::Id(const std::string& topic) const {
  return core::StrCat(topic, "/", partition, "@", offset);
}

std::string StoredDeadLetter::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

absl::StatusOr<std::unique_ptr<DeadLetters>> DeadLetters::Create(
    const std::map<std::string, std::string>& consumer_properties,
    const std::map<std::string, std::string>& producer_properties, std::string topic,
    std::set<std::string> intake_topics) {
  std::map<std::string, std::string> properties = consumer_properties;
  // Partitions are assigned, never subscribed: the group id is only a name here, and
  // nothing is committed.
  properties["group.id"] = "herald-dead-letter-reader";
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties["enable.partition.eof"] = "true";
  properties["auto.offset.reset"] = "earliest";
  auto conf = MakeKafkaConf(properties, "kafka.properties");
  if (!conf.ok()) return conf.status();
  std::unique_ptr<DeadLetters> d(new DeadLetters());
  std::string error;
  d->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
  if (d->consumer_ == nullptr) {
    return absl::InvalidArgumentError(
        core::StrCat("kafka: cannot create the dead-letter reader: ", error));
  }
  d->topic_ = std::move(topic);
  d->intake_topics_ = std::move(intake_topics);
  d->producer_properties_ = producer_properties;
  return d;
}

DeadLetters::~DeadLetters() {
  if (consumer_ != nullptr) consumer_->close();
}

absl::StatusOr<int> DeadLetters::PartitionCount() {
  std::string error;
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer_.get(), topic_, nullptr, error));
  if (topic == nullptr) return absl::InternalError(core::StrCat("dead-letter topic: ", error));
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode code =
      consumer_->metadata(false, topic.get(), &raw, static_cast<int>(kWait.count()));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (code != RdKafka::ERR_NO_ERROR) return KafkaError("metadata", code);
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    if (t->topic() != topic_) continue;
    if (t->err() != RdKafka::ERR_NO_ERROR) return KafkaError(topic_, t->err());
    return static_cast<int>(t->partitions()->size());
  }
  return absl::NotFoundError(core::StrCat("dead-letter topic ", topic_, " does not exist"));
}

absl::StatusOr<std::pair<int64_t, int64_t>> DeadLetters::Watermarks(int32_t partition) {
  int64_t low = 0;
  int64_t high = 0;
  RdKafka::ErrorCode code = consumer_->query_watermark_offsets(topic_, partition, &low, &high,
                                                               static_cast<int>(kWait.count()));
  if (code != RdKafka::ERR_NO_ERROR) return KafkaError("watermarks", code);
  return std::make_pair(low, high);
}

absl::Status DeadLetters::Assign(int32_t partition, int64_t offset) {
  std::vector<RdKafka::TopicPartition*> parts = {
      RdKafka::TopicPartition::create(topic_, partition, offset)};
  RdKafka::ErrorCode code = consumer_->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (code != RdKafka::ERR_NO_ERROR) return KafkaError("assign", code);
  return absl::OkStatus();
}

absl::StatusOr<DeadLetterPage> DeadLetters::Read(
    const DeadLetterPosition& from, int limit,
    const std::function<bool(const StoredDeadLetter&)>& keep, int max_scan) {
  std::lock_guard lock(mutex_);
  absl::StatusOr<int> partitions = PartitionCount();
  if (!partitions.ok()) return partitions.status();
  DeadLetterPage page;
  int scanned = 0;
  int64_t offset = from.offset;
  for (int32_t p = from.partition; p < *partitions; ++p, offset = 0) {
    absl::StatusOr<std::pair<int64_t, int64_t>> marks = Watermarks(p);
    if (!marks.ok()) return marks.status();
    const auto [low, high] = *marks;
    offset = std::max(offset, low);
    if (offset >= high) continue;
    absl::Status assigned = Assign(p, offset);
    if (!assigned.ok()) return assigned;
    while (offset < high) {
      if (static_cast<int>(page.letters.size()) >= limit || scanned >= max_scan) {
        page.next = DeadLetterPosition{.partition = p, .offset = offset};
        consumer_->unassign();
        return page;
      }
      std::unique_ptr<RdKafka::Message> message(
          consumer_->consume(static_cast<int>(kWait.count())));
      if (message->err() == RdKafka::ERR__PARTITION_EOF) break;
      if (message->err() == RdKafka::ERR__TIMED_OUT) {
        consumer_->unassign();
        return absl::UnavailableError(core::StrCat("dead-letter topic: no answer from partition ",
                                                   p, " in ", kWait.count(), " ms"));
      }
      if (message->err() != RdKafka::ERR_NO_ERROR) {
        consumer_->unassign();
        return KafkaError("read", message->err());
      }
      if (message->partition() != p) continue;
      offset = message->offset() + 1;
      ++scanned;
      StoredDeadLetter letter = FromMessage(*message);
      if (keep(letter)) page.letters.push_back(std::move(letter));
    }
  }
  consumer_->unassign();
  return page;
}

absl::StatusOr<StoredDeadLetter> DeadLetters::ReadOne(const std::string& id) {
  const size_t slash = id.rfind('/');
  const size_t at = id.rfind('@');
  int32_t partition = 0;
  int64_t offset = 0;
  if (slash == std::string::npos || at == std::string::npos || at < slash ||
      !ParseNumber(std::string_view(id).substr(slash + 1, at - slash - 1), partition) ||
      !ParseNumber(std::string_view(id).substr(at + 1), offset)) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", id, "\" is not a dead letter id (<topic>/<partition>@<offset>)"));
  }
  if (id.substr(0, slash) != topic_) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", id, "\" is not on the dead-letter topic ", topic_));
  }
  absl::StatusOr<DeadLetterPage> page = Read(
      {.partition = partition, .offset = offset}, 1, [](const StoredDeadLetter&) { return true; },
      1);
  if (!page.ok()) return page.status();
  if (page->letters.empty() || page->letters.front().partition != partition ||
      page->letters.front().offset != offset) {
    return absl::NotFoundError(core::StrCat("dead letter ", id, " not found"));
  }
  return std::move(page->letters.front());
}

absl::Status DeadLetters::Replay(const std::vector<StoredDeadLetter>& letters) {
  std::map<std::string, std::vector<TopicRecord>> by_topic;
  for (const StoredDeadLetter& letter : letters) {
    const std::string source = letter.Header("herald-source-topic");
    if (!intake_topics_.contains(source)) {
      return absl::FailedPreconditionError(
          core::StrCat("dead letter ", letter.Id(topic_), " came from \"", source,
                       "\", not a topic heraldd consumes; it is not replayed"));
    }
    TopicRecord& record = by_topic[source].emplace_back();
    record.key = letter.key;
    record.value = letter.value;
    if (std::string type = letter.Header("content-type"); !type.empty()) {
      record.headers.emplace_back("content-type", std::move(type));
    }
    if (std::string trace = letter.Header("traceparent"); !trace.empty()) {
      record.headers.emplace_back("traceparent", std::move(trace));  // the same trace again
    }
    record.headers.emplace_back("herald-replay-of", letter.Id(topic_));
    record.headers.emplace_back("herald-original-offset",
                                core::StrCat(source, "/", letter.Header("herald-source-partition"),
                                             "@", letter.Header("herald-source-offset")));
  }
  std::lock_guard lock(producers_mutex_);
  for (const auto& [source, records] : by_topic) {
    std::unique_ptr<TopicProducer>& producer = producers_[source];
    if (producer == nullptr) {
      auto made = TopicProducer::Create(producer_properties_, source, "replay of dead letters");
      if (!made.ok()) return made.status();
      producer = *std::move(made);
    }
    absl::Status sent = producer->Send(records, std::chrono::seconds(30));
    if (!sent.ok()) return sent;
  }
  return absl::OkStatus();
}

}  // namespace herald::ingest
