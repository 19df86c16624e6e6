#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/ingest/topic_producer.h"

namespace herald::ingest {

/// A dead letter as the dead-letter topic holds it: where it is, the original key and
/// bytes, and the headers DeadLetterProducer gave it (herald-dlq-reason, ...).
struct StoredDeadLetter {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;

  /// "<topic>/<partition>@<offset>": how a letter is named to callers and in records.
  std::string Id(const std::string& topic) const;
  std::string Header(const std::string& name) const;
};

/// Where a listing goes on: the next offset to read, in one partition (partitions are
/// read in order).
struct DeadLetterPosition {
  int32_t partition = 0;
  int64_t offset = 0;
};

struct DeadLetterPage {
  std::vector<StoredDeadLetter> letters;
  /// Where the next page starts; none when the topic is read to its end.
  std::optional<DeadLetterPosition> next;
};

/// Reads the dead-letter topic (partition by partition, oldest first) and puts letters
/// back on the topic they came from. Reading assigns partitions to a consumer of its own
/// that never joins a group or commits, so intake's offsets are untouched.
class DeadLetters {
 public:
  /// `intake_topics`: the only topics a letter is replayed to (a letter naming any other
  /// source is refused: the header is the producer's word, not the broker's).
  static absl::StatusOr<std::unique_ptr<DeadLetters>> Create(
      const std::map<std::string, std::string>& consumer_properties,
      const std::map<std::string, std::string>& producer_properties, std::string topic,
      std::set<std::string> intake_topics);
  ~DeadLetters();

  const std::string& topic() const { return topic_; }

  /// Up to `limit` letters `keep` accepts, from `from`; at most `max_scan` are read (then
  /// the page may be short, and `next` says where to go on).
  absl::StatusOr<DeadLetterPage> Read(const DeadLetterPosition& from, int limit,
                                      const std::function<bool(const StoredDeadLetter&)>& keep,
                                      int max_scan);
  /// The letter at `id` ("<topic>/<partition>@<offset>"); NOT_FOUND when there is none.
  absl::StatusOr<StoredDeadLetter> ReadOne(const std::string& id);

  /// Produces each letter again to its source topic: its key, bytes and content type,
  /// with herald-replay-of (the letter) and herald-original-offset (where it first
  /// arrived, "<topic>/<partition>@<offset>"). Returns when the broker has them all.
  absl::Status Replay(const std::vector<StoredDeadLetter>& letters);

 private:
  DeadLetters() = default;
  absl::StatusOr<int> PartitionCount();
  absl::StatusOr<std::pair<int64_t, int64_t>> Watermarks(int32_t partition);
  absl::Status Assign(int32_t partition, int64_t offset);

  std::string topic_;
  std::set<std::string> intake_topics_;
  std::map<std::string, std::string> producer_properties_;
  std::mutex mutex_;  // one reader of the consumer at a time
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::mutex producers_mutex_;
  std::map<std::string, std::unique_ptr<TopicProducer>> producers_;  // by source topic
};

}  // namespace herald::ingest
