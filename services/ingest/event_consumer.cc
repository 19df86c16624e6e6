#include "services/ingest/event_consumer.h"

#include <spdlog/spdlog.h>

#include "services/core/strings.h"
#include "services/ingest/event_decoder.h"
#include "services/ingest/kafka_conf.h"

namespace herald::ingest {
namespace {

constexpr std::chrono::seconds kLagInterval{5};
constexpr std::chrono::seconds kBacklogInterval{1};
constexpr std::chrono::seconds kDeadLetterLimit{30};

std::string HeaderValue(const RdKafka::Message& message, const std::string& name) {
  const RdKafka::Headers* headers = const_cast<RdKafka::Message&>(message).headers();
  if (headers == nullptr) return {};
  RdKafka::Headers::Header header = headers->get_last(name);
  if (header.err() != RdKafka::ERR_NO_ERROR || header.value() == nullptr) return {};
  return std::string(static_cast<const char*>(header.value()), header.value_size());
}

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
      return;
    }
    if (consumer->assignment_lost()) {
      spdlog::warn("msg=\"partitions lost\" partitions={} dropped_messages={}",
                   Describe(partitions), owner_.DropPartitions(partitions));
    } else {
      if (!owner_.pending_.empty() && !owner_.TryProcess()) {
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
    if (cooperative) {
      Check(consumer->incremental_unassign(partitions), "unassign");
    } else {
      Check(consumer->unassign(), "unassign");
    }
  }

 private:
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
  RdKafka::ErrorCode subscribed = c->consumer_->subscribe(subscription);
  if (subscribed != RdKafka::ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        core::StrCat("kafka.topics: cannot subscribe: ", RdKafka::err2str(subscribed)));
  }
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
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
    if (!pending_.empty() && (retry_pending_ ? now >= retry_at_ : batch_due)) {
      retry_pending_ = !TryProcess();
      if (retry_pending_) retry_at_ = now + options_.retry_backoff;
    }
    if (now >= next_backlog) {
      CheckBacklog();
      next_backlog = now + kBacklogInterval;
    }
    if (pending_.empty()) retry_pending_ = false;  // a rebalance may have taken the batch
    SetPaused(retry_pending_ || backlog_full_);
    if (now >= next_lag) {
      UpdateLag();
      next_lag = now + kLagInterval;
    }
  }
  if (!pending_.empty() && !TryProcess()) {
    // Offsets were not stored: the messages come again after a restart.
    spdlog::warn("msg=\"stopping with an unfinished batch\" messages={}", pending_.size());
    pending_.clear();
  }
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

bool EventConsumer::TryProcess() {
  absl::Status status = ProcessBatch();
  if (status.ok()) return true;
  errors_.Add({{"kind", "batch_retry"}}).Increment();
  spdlog::warn("msg=\"batch not recorded; consumption paused, retrying\" messages={} error=\"{}\"",
               pending_.size(), status.ToString());
  return false;
}

size_t EventConsumer::DropPartitions(const std::vector<RdKafka::TopicPartition*>& partitions) {
  const size_t before = pending_.size();
  std::erase_if(pending_, [&](const std::unique_ptr<RdKafka::Message>& m) {
    return std::any_of(partitions.begin(), partitions.end(), [&](const RdKafka::TopicPartition* p) {
      return p->topic() == m->topic_name() && p->partition() == m->partition();
    });
  });
  // Their profile changes may be among those dropped; apply what is left afresh.
  profiles_applied_ = false;
  return before - pending_.size();
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

absl::Status EventConsumer::ProcessBatch() {
  // Profile changes are applied once per batch: a retry (the store or the dead-letter
  // topic refused the rest) must not write an old change over a newer one.
  if (!profiles_applied_) {
    profile_letters_.clear();
    absl::Status profiles = ApplyProfileChanges(profile_letters_);
    if (!profiles.ok()) return profiles;
    profiles_applied_ = true;
  }
  std::vector<DeadLetter> letters = profile_letters_;

  std::vector<std::string> content_types;
  std::vector<RawEvent> batch;
  std::vector<const RdKafka::Message*> sources;
  for (const auto& m : pending_) {
    if (m->topic_name() == options_.profiles_topic) continue;
    content_types.push_back(HeaderValue(*m, "content-type"));
    sources.push_back(m.get());
  }
  batch.reserve(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    const RdKafka::Message& m = *sources[i];
    std::optional<core::Time> appended;
    const RdKafka::MessageTimestamp ts = m.timestamp();
    if (ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE && ts.timestamp > 0) {
      appended = core::Time(std::chrono::milliseconds(ts.timestamp));
    }
    batch.push_back(
        {std::string_view(static_cast<const char*>(m.payload()), m.len()), content_types[i],
         core::StrCat("kafka ", m.topic_name(), "/", m.partition(), "@", m.offset()), appended});
  }
  auto outcomes = intake_.Process(batch, "kafka");
  if (!outcomes.ok()) return outcomes.status();
  int64_t created = 0;
  for (const IntakeOutcome& outcome : *outcomes) created += outcome.notifications_created;
  SetBacklog(backlog_ + created);  // pause at once when full, not at the next check
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!(*outcomes)[i].rejection) continue;
    const RdKafka::Message& m = *sources[i];
    letters.push_back({m.key() != nullptr ? *m.key() : std::string(), std::string(batch[i].body),
                       content_types[i], *(*outcomes)[i].rejection, m.topic_name(), m.partition(),
                       m.offset()});
  }
  absl::Status sent = dead_letters_->Send(letters, kDeadLetterLimit);
  if (!sent.ok()) return sent;
  for (const DeadLetter& letter : letters) {
    dead_lettered_.Add({{"reason", std::string(Name(letter.rejection.reason))}}).Increment();
    spdlog::info("msg=\"dead-lettered\" reason={} source={}/{}@{} detail=\"{}\"",
                 Name(letter.rejection.reason), letter.source_topic, letter.source_partition,
                 letter.source_offset, letter.rejection.Message());
  }

  // The next offset to read, per partition; the batch is in offset order per partition.
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const auto& m : pending_) next[{m->topic_name(), m->partition()}] = m->offset() + 1;
  std::vector<RdKafka::TopicPartition*> offsets;
  for (const auto& [tp, offset] : next) {
    offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, offset));
  }
  RdKafka::ErrorCode stored = consumer_->offsets_store(offsets);
  profiles_applied_ = false;
  RdKafka::TopicPartition::destroy(offsets);
  if (stored != RdKafka::ERR_NO_ERROR) {
    // A partition revoked meanwhile refuses its offset; its new owner re-reads it.
    spdlog::warn("msg=\"offsets not stored\" error=\"{}\"", RdKafka::err2str(stored));
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status EventConsumer::ApplyProfileChanges(std::vector<DeadLetter>& letters) {
  for (const auto& m : pending_) {
    if (m->topic_name() != options_.profiles_topic) continue;
    const std::string key = m->key() != nullptr ? *m->key() : std::string();
    const std::string content_type = HeaderValue(*m, "content-type");
    const std::string_view value(static_cast<const char*>(m->payload()), m->len());
    std::optional<Rejection> rejection;
    absl::Status applied;
    std::string_view result = "applied";
    if (m->payload() == nullptr) {  // a tombstone
      result = "deleted";
      if (key.empty()) {
        rejection = Rejection{RejectReason::kInvalidProfile, "",
                              "a tombstone needs the customer id as its key"};
      } else {
        applied = profile_changes_.remove(key);
      }
    } else {
      v1::UpdateProfileRequest request;
      rejection = DecodeMessage(value, content_type, intake_.limits().max_event_bytes, request);
      if (!rejection && !key.empty() && key != request.profile().customer_id()) {
        rejection = Rejection{RejectReason::kInvalidProfile, "",
                              core::StrCat("the key \"", key, "\" is not profile.customer_id \"",
                                           request.profile().customer_id(), "\"")};
      }
      if (!rejection) applied = profile_changes_.update(request);
    }
    if (!rejection && !applied.ok()) {
      if (absl::IsInvalidArgument(applied)) {
        rejection = Rejection{RejectReason::kInvalidProfile, "",
                              std::string(core::ToStd(applied.message()))};
      } else if (absl::IsNotFound(applied)) {
        rejection = Rejection{RejectReason::kUnknownCustomer, "",
                              std::string(core::ToStd(applied.message()))};
      } else {
        return applied;  // the store is in trouble: retry the batch
      }
    }
    if (rejection) {
      result = "rejected";
      letters.push_back({key, std::string(value), content_type, *std::move(rejection),
                         m->topic_name(), m->partition(), m->offset()});
    }
    profile_results_.Add({{"result", std::string(result)}}).Increment();
  }
  return absl::OkStatus();
}

void EventConsumer::UpdateLag() {
  std::vector<RdKafka::TopicPartition*> assigned;
  if (consumer_->assignment(assigned) != RdKafka::ERR_NO_ERROR) return;
  if (consumer_->position(assigned) == RdKafka::ERR_NO_ERROR) {
    for (RdKafka::TopicPartition* p : assigned) {
      int64_t low = 0, high = 0;
      if (p->offset() < 0 || consumer_->get_watermark_offsets(p->topic(), p->partition(), &low,
                                                              &high) != RdKafka::ERR_NO_ERROR) {
        continue;
      }
      lag_.Add({{"topic", p->topic()}, {"partition", std::to_string(p->partition())}})
          .Set(static_cast<double>(std::max<int64_t>(0, high - p->offset())));
    }
  }
  RdKafka::TopicPartition::destroy(assigned);
}

}  // namespace herald::ingest
