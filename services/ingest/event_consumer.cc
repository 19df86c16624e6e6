#include "services/ingest/event_consumer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "services/core/strings.h"
#include "services/ingest/kafka_conf.h"

namespace herald::ingest {
namespace {

constexpr std::chrono::seconds kLagInterval{5};
constexpr std::chrono::seconds kBacklogInterval{1};
std::string Describe(const std::vector<RdKafka::TopicPartition*>& partitions) {
  std::string out;
  for (const auto* p : partitions) {
    core::StrAppend(out, out.empty() ? "" : ",", p->topic(), "/", p->partition());
  }
  return out;
}

}  // namespace

// Runs inside consume(): on revocation the batch in hand is finished and its offsets
// committed before the partitions are given up; on loss it is dropped (another member
// owns those partitions now and will process the messages again).
class EventConsumer::Rebalance final : public RdKafka::RebalanceCb {
 public:
  explicit Rebalance(EventConsumer& owner) : owner_(owner) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      spdlog::info("msg=\"partitions assigned\" protocol={} partitions={}",
                   cooperative ? "cooperative" : "eager", Describe(partitions));
      // The pause flag stays with a partition across revocation: set it either way, and
      // before the assignment. librdkafka drops a partition's pending start of fetching
      // when a pause or resume comes after it (its op version is then outdated): that
      // partition would never be read. A partition librdkafka does not know yet carries
      // no flag; if it must be paused, the loop pauses it at its first message.
      Check(owner_.paused_ ? consumer->pause(partitions) : consumer->resume(partitions),
            owner_.paused_ ? "pause" : "resume");
      if (cooperative) {
        Check(consumer->incremental_assign(partitions), "assign");
      } else {
        Check(consumer->assign(partitions), "assign");
      }
      Owned(partitions, true);
      return;
    }
    if (consumer->assignment_lost()) {
      spdlog::warn("msg=\"partitions lost\" partitions={} dropped_messages={}",
                   Describe(partitions), owner_.DropPartitions(partitions));
    } else {
      if ((!owner_.pending_.empty() || !owner_.in_flight_.empty()) && !owner_.TryProcess()) {
        // Not recorded, offsets not stored: the next owner reads the revoked partitions'
        // messages again. Those of partitions kept (cooperative) stay for the retry.
        const size_t dropped = owner_.DropPartitions(partitions);
        spdlog::warn("msg=\"batch not finished before revocation\" dropped_messages={}", dropped);
        owner_.retry_pending_ = !owner_.pending_.empty();
      }
      RdKafka::ErrorCode committed = consumer->commitSync();
      if (committed != RdKafka::ERR_NO_ERROR && committed != RdKafka::ERR__NO_OFFSET) {
        spdlog::warn("msg=\"commit on revoke failed\" error=\"{}\"", RdKafka::err2str(committed));
      }
      spdlog::info("msg=\"partitions revoked\" partitions={}", Describe(partitions));
    }
    Owned(partitions, false);
    if (cooperative) {
      Check(consumer->incremental_unassign(partitions), "unassign");
    } else {
      Check(consumer->unassign(), "unassign");
    }
  }

 private:
  // The customers owned follow the assignment of the ownership's topic. (Its
  // partition count is read by the loop, outside this callback.)
  void Owned(const std::vector<RdKafka::TopicPartition*>& partitions, bool assigned) {
    PartitionOwnership* ownership = owner_.options_.ownership;
    if (ownership == nullptr) return;
    std::vector<int> mine;
    for (const auto* p : partitions) {
      if (p->topic() == ownership->topic()) mine.push_back(p->partition());
    }
    if (mine.empty()) return;
    if (assigned) {
      ownership->Assigned(mine);
    } else {
      ownership->Revoked(mine);
    }
  }

  static void Check(RdKafka::Error* error, const char* what) {
    if (error == nullptr) return;
    spdlog::error("msg=\"rebalance {} failed\" error=\"{}\"", what, error->str());
    delete error;
  }
  static void Check(RdKafka::ErrorCode code, const char* what) {
    if (code == RdKafka::ERR_NO_ERROR) return;
    spdlog::error("msg=\"rebalance {} failed\" error=\"{}\"", what, RdKafka::err2str(code));
  }

  EventConsumer& owner_;
};

EventConsumer::EventConsumer(ConsumerOptions options, Intake& intake,
                             ProfileChanges profile_changes, prometheus::Registry& registry)
    : options_(std::move(options)),
      intake_(intake),
      profile_changes_(std::move(profile_changes)),
      messages_(prometheus::BuildCounter()
                    .Name("herald_kafka_messages_total")
                    .Help("Messages read from Kafka, by topic")
                    .Register(registry)),
      dead_lettered_(prometheus::BuildCounter()
                         .Name("herald_dead_letters_total")
                         .Help("Messages put on the dead-letter topic, by reason")
                         .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("herald_kafka_errors_total")
                  .Help("Consumer errors and batch retries, by kind")
                  .Register(registry)),
      profile_results_(prometheus::BuildCounter()
                           .Name("herald_profile_changes_total")
                           .Help("Changes read from the profiles topic, by result")
                           .Register(registry)),
      lag_(prometheus::BuildGauge()
               .Name("herald_kafka_consumer_lag")
               .Help("Messages not yet consumed, by topic and partition")
               .Register(registry)),
      paused_gauge_(prometheus::BuildGauge()
                        .Name("herald_intake_paused")
                        .Help("1 while consumption is paused (backlog full or store refusing)")
                        .Register(registry)
                        .Add({})),
      backlog_gauge_(prometheus::BuildGauge()
                         .Name("herald_intake_backlog")
                         .Help("Pending notifications the later stages have not taken yet")
                         .Register(registry)
                         .Add({})) {}

absl::StatusOr<std::unique_ptr<EventConsumer>> EventConsumer::Start(
    ConsumerOptions options, Intake& intake, ProfileChanges profile_changes,
    const core::Clock& clock, prometheus::Registry& registry) {
  if (options.topics.empty()) return absl::InvalidArgumentError("kafka.topics: must not be empty");
  std::map<std::string, std::string> properties = {
      {"auto.offset.reset", "earliest"},
      {"enable.auto.commit", "true"},
      // Without these, librdkafka 2.0.2 stalls fetching for a second at a time once its
      // prefetch queue passes queued.min.messages (seen: 50k events took minutes, not
      // 7 s). The prefetch stays bounded by queued.max.messages.kbytes (64 MiB).
      {"queued.min.messages", "1000000"},
      {"queued.max.messages.kbytes", "65536"},
      {"fetch.wait.max.ms", "10"},
  };
  for (const auto& [k, v] : options.properties) properties[k] = v;
  for (const auto& [k, v] : options.consumer_properties) properties[k] = v;
  properties["group.id"] = options.group_id;
  properties["enable.auto.offset.store"] = "false";
  std::map<std::string, std::string> producer_properties = options.properties;
  for (const auto& [k, v] : options.producer_properties) producer_properties[k] = v;

  std::unique_ptr<EventConsumer> c(
      new EventConsumer(std::move(options), intake, std::move(profile_changes), registry));
  auto dead_letters =
      DeadLetterProducer::Create(producer_properties, c->options_.dead_letter_topic, clock);
  if (!dead_letters.ok()) return dead_letters.status();
  c->dead_letters_ = std::move(*dead_letters);

  auto conf = MakeKafkaConf(properties, "kafka.properties");
  if (!conf.ok()) return conf.status();
  c->rebalance_ = std::make_unique<Rebalance>(*c);
  std::string error;
  if ((*conf)->set("rebalance_cb", c->rebalance_.get(), error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(core::StrCat("kafka: rebalance_cb: ", error));
  }
  c->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
  if (c->consumer_ == nullptr) {
    return absl::InvalidArgumentError(core::StrCat("kafka: cannot create the consumer: ", error));
  }
  std::vector<std::string> subscription = c->options_.topics;
  if (!c->options_.profiles_topic.empty()) subscription.push_back(c->options_.profiles_topic);
  if (!c->options_.fanout_topic.empty()) subscription.push_back(c->options_.fanout_topic);
  c->waker_ = std::make_shared<Waker>(rd_kafka_queue_get_consumer(c->consumer_->c_ptr()));
  RdKafka::ErrorCode subscribed = c->consumer_->subscribe(subscription);
  if (subscribed != RdKafka::ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        core::StrCat("kafka.topics: cannot subscribe: ", RdKafka::err2str(subscribed)));
  }
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  pthread_setname_np(c->thread_.native_handle(), "intake");  // in ps, perf and gdb
  return c;
}

EventConsumer::~EventConsumer() { Stop(); }

void EventConsumer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void EventConsumer::Loop() {
  auto next_lag = std::chrono::steady_clock::now();
  auto next_backlog = next_lag;
  auto next_count = next_lag;
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    int wait_ms = 100;
    if (!pending_.empty()) {
      const auto due = retry_pending_ ? retry_at_ : batch_start_ + options_.max_batch_wait;
      wait_ms = static_cast<int>(std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count(), 0, 100));
    }
    // Paused partitions deliver nothing; polling keeps the membership and rebalances.
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(wait_ms));
    bool got_one = false;
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        got_one = true;
        if (pending_.empty()) batch_start_ = std::chrono::steady_clock::now();
        MessagesOf(message->topic_name()).Increment();
        // A partition assigned while paused that librdkafka did not know yet: pause it
        // now that it is fetching. It resumes after this message, kept in the batch.
        if (paused_) PausePartitionOf(*message);
        pending_.push_back(std::move(message));
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        break;
      default:
        errors_.Add({{"kind", RdKafka::err2str(message->err())}}).Increment();
        spdlog::warn("msg=\"kafka consumer error\" error=\"{}\"", message->errstr());
        break;
    }
    now = std::chrono::steady_clock::now();
    // Full, or nothing more is ready and the first message has lingered long enough:
    // under load the prefetched messages fill a batch, while a lone event goes at once.
    const bool batch_due = static_cast<int>(pending_.size()) >= options_.max_batch ||
                           (!got_one && now >= batch_start_ + options_.max_batch_wait);
    // Batches written meanwhile: their dead letters, then their offsets.
    while (!retry_pending_ && !in_flight_.empty() && in_flight_.front().intake->Ready()) {
      if (!Finish(FinishOldest())) retry_at_ = now + options_.retry_backoff;
    }
    if (!pending_.empty() && (retry_pending_ ? now >= retry_at_ : batch_due)) {
      // The next batch is decided while the ones before it are written (at most
      // kMaxInFlight at once).
      retry_pending_ = false;
      if (in_flight_.size() >= kMaxInFlight && !Finish(FinishOldest())) {
        retry_at_ = now + options_.retry_backoff;
      } else if (!Finish(Submit())) {
        retry_at_ = now + options_.retry_backoff;
      }
    }
    if (now >= next_backlog) {
      CheckBacklog();
      next_backlog = now + kBacklogInterval;
    }
    // A rebalance may have taken the batch.
    if (pending_.empty() && in_flight_.empty()) retry_pending_ = false;
    SetPaused(retry_pending_ || backlog_full_);
    if (now >= next_lag) {
      UpdateLag();
      next_lag = now + kLagInterval;
    }
    if (options_.ownership != nullptr && now >= next_count && options_.ownership->CountStale()) {
      ReadPartitionCount();
      next_count = now + std::chrono::seconds(1);
    }
  }
  if ((!pending_.empty() || !in_flight_.empty()) && !TryProcess()) {
    // Offsets were not stored: the messages come again after a restart.
    spdlog::warn("msg=\"stopping with an unfinished batch\" messages={}", pending_.size());
    pending_.clear();
  }
  // librdkafka: every reference to the consumer queue goes before close(), which
  // otherwise may wait for it forever. Nothing is in flight now to wake the loop.
  waker_->Close();
  RdKafka::ErrorCode closed = consumer_->close();  // revokes (commits) and leaves the group
  if (closed != RdKafka::ERR_NO_ERROR) {
    spdlog::warn("msg=\"kafka consumer close\" error=\"{}\"", RdKafka::err2str(closed));
  }
}

prometheus::Counter& EventConsumer::MessagesOf(const std::string& topic) {
  auto it = topic_messages_.find(topic);
  if (it == topic_messages_.end()) {
    it = topic_messages_.emplace(topic, &messages_.Add({{"topic", topic}})).first;
  }
  return *it->second;
}

void EventConsumer::PausePartitionOf(const RdKafka::Message& message) {
  std::vector<RdKafka::TopicPartition*> one = {
      RdKafka::TopicPartition::create(message.topic_name(), message.partition())};
  RdKafka::ErrorCode err = consumer_->pause(one);
  if (err != RdKafka::ERR_NO_ERROR) {
    spdlog::error("msg=\"pause failed\" partitions={} error=\"{}\"", Describe(one),
                  RdKafka::err2str(err));
  }
  RdKafka::TopicPartition::destroy(one);
}

void EventConsumer::SetPaused(bool paused) {
  if (paused == paused_) return;
  std::vector<RdKafka::TopicPartition*> assigned;
  if (consumer_->assignment(assigned) == RdKafka::ERR_NO_ERROR) {
    RdKafka::ErrorCode err = paused ? consumer_->pause(assigned) : consumer_->resume(assigned);
    if (err != RdKafka::ERR_NO_ERROR) {
      spdlog::error("msg=\"{} failed\" error=\"{}\"", paused ? "pause" : "resume",
                    RdKafka::err2str(err));
    }
  }
  RdKafka::TopicPartition::destroy(assigned);
  paused_ = paused;
  paused_gauge_.Set(paused ? 1 : 0);
  spdlog::info("msg=\"consumption {}\" backlog_full={} retrying_batch={}",
               paused ? "paused" : "resumed", backlog_full_, retry_pending_);
}

void EventConsumer::CheckBacklog() {
  if (!options_.backlog || options_.max_backlog <= 0) return;
  absl::StatusOr<int64_t> backlog = options_.backlog();
  if (!backlog.ok()) {
    spdlog::warn("msg=\"backlog unknown\" error=\"{}\"", backlog.status().ToString());
    return;
  }
  SetBacklog(*backlog);
}

void EventConsumer::SetBacklog(int64_t backlog) {
  backlog_ = backlog;
  backlog_gauge_.Set(static_cast<double>(backlog));
  if (options_.max_backlog <= 0) return;
  if (backlog >= options_.max_backlog) {
    backlog_full_ = true;
  } else if (backlog <= options_.max_backlog * 9 / 10) {
    backlog_full_ = false;
  }
}

void EventConsumer::ReadPartitionCount() {
  PartitionOwnership& ownership = *options_.ownership;
  std::string error;
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer_.get(), ownership.topic(), nullptr, error));
  RdKafka::Metadata* raw = nullptr;
  if (topic == nullptr ||
      consumer_->metadata(false, topic.get(), &raw, 2000) != RdKafka::ERR_NO_ERROR) {
    spdlog::warn("msg=\"partition count unknown; releasing no deferrals until it is\" topic={}",
                 ownership.topic());
    return;
  }
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    if (t->topic() == ownership.topic() && !t->partitions()->empty()) {
      ownership.SetCount(static_cast<int>(t->partitions()->size()));
      spdlog::info("msg=\"customers owned by partition\" topic={} partitions={}", ownership.topic(),
                   t->partitions()->size());
    }
  }
}

void EventConsumer::UpdateLag() {
  std::vector<RdKafka::TopicPartition*> assigned;
  if (consumer_->assignment(assigned) != RdKafka::ERR_NO_ERROR) return;
  if (consumer_->position(assigned) == RdKafka::ERR_NO_ERROR) {
    // A partition nothing was read from yet (paused before its first fetch) has no
    // position: it starts at its committed offset, or else at its beginning.
    std::vector<RdKafka::TopicPartition*> unread;
    for (RdKafka::TopicPartition* p : assigned) {
      if (p->offset() < 0) {
        unread.push_back(RdKafka::TopicPartition::create(p->topic(), p->partition()));
      }
    }
    // Without an answer (within a second), its beginning.
    if (!unread.empty()) consumer_->committed(unread, 1000);
    for (RdKafka::TopicPartition* p : assigned) {
      int64_t low = 0, high = 0;
      if (consumer_->get_watermark_offsets(p->topic(), p->partition(), &low, &high) !=
          RdKafka::ERR_NO_ERROR) {
        continue;
      }
      int64_t from = p->offset();
      if (from < 0) {
        from = low;
        for (const RdKafka::TopicPartition* c : unread) {
          if (c->topic() == p->topic() && c->partition() == p->partition() && c->offset() >= 0) {
            from = c->offset();
          }
        }
      }
      lag_.Add({{"topic", p->topic()}, {"partition", std::to_string(p->partition())}})
          .Set(static_cast<double>(std::max<int64_t>(0, high - from)));
    }
    RdKafka::TopicPartition::destroy(unread);
  }
  RdKafka::TopicPartition::destroy(assigned);
}

}  // namespace herald::ingest
