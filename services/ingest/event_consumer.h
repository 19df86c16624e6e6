#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "herald/v1/profile_service.pb.h"
#include "services/ingest/dead_letter_producer.h"
#include "services/ingest/intake.h"
#include "services/ingest/partition_ownership.h"

namespace herald::ingest {

/// What the consumer reads and how.
struct ConsumerOptions {
  /// librdkafka properties for every client, passed through (bootstrap.servers, TLS,
  /// SASL, tuning).
  std::map<std::string, std::string> properties;
  /// Added for the consumer only (session.timeout.ms, partition.assignment.strategy,
  /// ...). enable.auto.offset.store is always false: offsets are stored only after
  /// the events are durable.
  std::map<std::string, std::string> consumer_properties;
  /// Added for the dead-letter producer only (linger.ms, compression.type, ...).
  std::map<std::string, std::string> producer_properties;
  std::string group_id = "heraldd";
  /// Event topics.
  std::vector<std::string> topics;
  /// Profile and consent changes (UpdateProfileRequest, keyed by customer id; a
  /// tombstone deletes); empty: not consumed.
  std::string profiles_topic;
  std::string dead_letter_topic = "herald.dlq";
  /// Audience customers split off by the instances (FanoutWork, keyed by customer);
  /// empty: not consumed.
  std::string fanout_topic;
  /// A batch is processed when it has this many messages...
  int max_batch = 500;
  /// ...or when no further message is ready and its first message has waited at least
  /// this long (0: as soon as what was fetched is taken).
  std::chrono::milliseconds max_batch_wait{0};
  /// Wait before retrying a batch the store or the dead-letter topic refused; the
  /// partitions are paused meanwhile.
  std::chrono::milliseconds retry_backoff{500};
  /// Work the later stages have not taken yet (pending notifications). When it reaches
  /// max_backlog, consumption pauses; it resumes at 90% of it. 0: no limit.
  std::function<absl::StatusOr<int64_t>()> backlog;
  int64_t max_backlog = 0;
  /// Kept up to date with the assignment of its topic (one of `topics`); may be null.
  PartitionOwnership* ownership = nullptr;
};

/// Applies changes from the profiles topic. INVALID_ARGUMENT and NOT_FOUND mean the
/// change is bad (it is dead-lettered); any other error means "retry".
struct ProfileChanges {
  /// Each with where it was read (partition, offset): applied once per customer.
  std::function<absl::Status(const v1::UpdateProfileRequest&, const store::TopicPosition&)> update;
  std::function<absl::Status(std::string_view customer_id, const store::TopicPosition&)> remove;
};

/// Reads events from Kafka in a consumer group, at least once: a batch is decoded and
/// recorded durably (Intake), its bad messages are on the dead-letter topic and
/// acknowledged, and only then are its offsets stored for commit. Re-delivered events
/// create nothing new (Intake is idempotent). On a revocation the batch in hand is
/// finished and committed before the partitions go (eager and cooperative protocols).
/// Backpressure: while the store refuses a batch, or the later stages' backlog is full,
/// the partitions are paused (nothing more is fetched) but the consumer keeps polling,
/// so it stays in the group; it resumes when the batch went through or the backlog
/// drained.
class EventConsumer {
 public:
  static absl::StatusOr<std::unique_ptr<EventConsumer>> Start(ConsumerOptions options,
                                                              Intake& intake,
                                                              ProfileChanges profile_changes,
                                                              const core::Clock& clock,
                                                              prometheus::Registry& registry);
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;
  ~EventConsumer();

  /// Finishes the batch in hand, commits, and leaves the group. Idempotent.
  void Stop();

 private:
  class Rebalance;

  EventConsumer(ConsumerOptions options, Intake& intake, ProfileChanges profile_changes,
                prometheus::Registry& registry);
  /// A batch decided and being written, with the messages it came from.
  struct InFlight {
    std::vector<std::unique_ptr<RdKafka::Message>> messages;
    std::unique_ptr<Intake::Pending> intake;
  };
  /// Batches decided while earlier ones are written, at most.
  static constexpr size_t kMaxInFlight = 2;

  void Loop();
  /// Hands the fan-out work in hand to intake (an InFlight of its own).
  absl::Status SubmitFanout();
  /// Applies the batch in hand's profile changes, then decides its events and hands
  /// them to the store (in_flight_).
  absl::Status Submit();
  /// Waits for the oldest batch in flight, puts its bad messages on the dead-letter
  /// topic and stores its offsets.
  absl::Status FinishOldest();
  /// On a failure (logged, counted): every batch in flight goes back in hand, in order,
  /// and consumption pauses for a retry; false then.
  bool Finish(absl::Status status);
  /// Submits the batch in hand and finishes every batch in flight (a revocation, a
  /// stop); false (and the messages kept) when it failed.
  bool TryProcess();
  /// Drops the batch's messages of these partitions (unrecorded: their next owner reads
  /// them again); returns how many.
  size_t DropPartitions(const std::vector<RdKafka::TopicPartition*>& partitions);
  /// Pauses the partition a message came from (one that escaped a pause).
  void PausePartitionOf(const RdKafka::Message& message);
  /// Pauses or resumes every assigned partition.
  void SetPaused(bool paused);
  /// Re-reads the backlog from its source (the later stages take work away).
  void CheckBacklog();
  prometheus::Counter& MessagesOf(const std::string& topic);
  void SetBacklog(int64_t backlog);
  /// Applies the profile changes in hand in offset order (bad ones to the dead-letter
  /// topic), storing their offsets and taking them out of the batch as they are done,
  /// so that a retry never writes an old change over a newer one.
  absl::Status ApplyProfileChanges();
  void UpdateLag();
  /// The ownership topic's partition count, from the cluster's metadata (not inside a
  /// rebalance callback: it asks the broker).
  void ReadPartitionCount();

  const ConsumerOptions options_;
  Intake& intake_;
  const ProfileChanges profile_changes_;
  std::unique_ptr<Rebalance> rebalance_;
  std::unique_ptr<DeadLetterProducer> dead_letters_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  /// Wakes consume() (a batch was written), from any thread, while the consumer is
  /// open.
  class Waker {
   public:
    explicit Waker(rd_kafka_queue_t* queue) : queue_(queue) {}
    ~Waker() { Close(); }
    void Wake() {
      std::lock_guard lock(mu_);
      if (queue_ != nullptr) rd_kafka_queue_yield(queue_);
    }
    void Close() {
      std::lock_guard lock(mu_);
      if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
      queue_ = nullptr;
    }

   private:
    std::mutex mu_;
    rd_kafka_queue_t* queue_;
  };
  std::shared_ptr<Waker> waker_;
  std::vector<std::unique_ptr<RdKafka::Message>> pending_;
  std::deque<InFlight> in_flight_;
  std::chrono::steady_clock::time_point batch_start_;
  // Consumption pauses while a batch waits for a retry, or while the backlog is full.
  bool retry_pending_ = false;
  std::chrono::steady_clock::time_point retry_at_;
  bool backlog_full_ = false;
  int64_t backlog_ = 0;  // the store's count, plus what batches added since
  bool paused_ = false;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::thread thread_;

  prometheus::Family<prometheus::Counter>& messages_;
  // Per topic, looked up once (the consumer thread is the only user).
  std::map<std::string, prometheus::Counter*, std::less<>> topic_messages_;
  prometheus::Family<prometheus::Counter>& dead_lettered_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& profile_results_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Gauge& paused_gauge_;
  prometheus::Gauge& backlog_gauge_;
};

}  // namespace herald::ingest
