// EventConsumer's batches: profile changes applied in order, events decided and handed
// to the store while earlier batches are written, then dead letters and offsets.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <map>

#include "services/core/strings.h"
#include "services/ingest/event_consumer.h"
#include "services/ingest/event_decoder.h"

namespace herald::ingest {
namespace {

constexpr std::chrono::seconds kDeadLetterLimit{30};

std::string HeaderValue(const RdKafka::Message& message, const std::string& name) {
  const RdKafka::Headers* headers = const_cast<RdKafka::Message&>(message).headers();
  if (headers == nullptr) return {};
  RdKafka::Headers::Header header = headers->get_last(name);
  if (header.err() != RdKafka::ERR_NO_ERROR || header.value() == nullptr) return {};
  return std::string(static_cast<const char*>(header.value()), header.value_size());
}

// Stores the offset after each message's, per partition (they are in offset order).
void StoreOffsets(RdKafka::KafkaConsumer& consumer,
                  const std::vector<const RdKafka::Message*>& messages) {
  if (messages.empty()) return;
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const RdKafka::Message* m : messages) {
    next[{m->topic_name(), m->partition()}] = m->offset() + 1;
  }
  std::vector<RdKafka::TopicPartition*> offsets;
  for (const auto& [tp, offset] : next) {
    offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, offset));
  }
  RdKafka::ErrorCode stored = consumer.offsets_store(offsets);
  RdKafka::TopicPartition::destroy(offsets);
  if (stored != RdKafka::ERR_NO_ERROR) {
    // A partition revoked meanwhile refuses its offset; its new owner re-reads it.
    spdlog::warn("msg=\"offsets not stored\" error=\"{}\"", RdKafka::err2str(stored));
  }
}

}  // namespace

absl::Status EventConsumer::Submit() {
  absl::Status profiles = ApplyProfileChanges();
  if (!profiles.ok()) return profiles;
  absl::Status fanout = SubmitFanout();
  if (!fanout.ok()) return fanout;
  if (pending_.empty()) return absl::OkStatus();
  std::vector<std::string> content_types;
  std::vector<RawEvent> batch;
  content_types.reserve(pending_.size());
  batch.reserve(pending_.size());
  for (const auto& m : pending_) content_types.push_back(HeaderValue(*m, "content-type"));
  for (size_t i = 0; i < pending_.size(); ++i) {
    const RdKafka::Message& m = *pending_[i];
    std::optional<core::Time> appended;
    const RdKafka::MessageTimestamp ts = m.timestamp();
    if (ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE && ts.timestamp > 0) {
      appended = core::Time(std::chrono::milliseconds(ts.timestamp));
    }
    batch.push_back({std::string_view(static_cast<const char*>(m.payload()), m.len()),
                     content_types[i],
                     core::StrCat("kafka ", m.topic_name(), "/", m.partition(), "@", m.offset()),
                     appended, HeaderValue(m, "traceparent")});
  }
  // Written: consume() returns at once, so that the batch's offsets are stored (and
  // the later stages hear of it) without waiting for the next message.
  absl::StatusOr<std::unique_ptr<Intake::Pending>> submitted =
      intake_.Submit(batch, "kafka", [waker = waker_] { waker->Wake(); });
  if (!submitted.ok()) return submitted.status();
  in_flight_.push_back({std::move(pending_), *std::move(submitted)});
  pending_.clear();
  return absl::OkStatus();
}

absl::Status EventConsumer::SubmitFanout() {
  if (options_.fanout_topic.empty()) return absl::OkStatus();
  std::vector<std::unique_ptr<RdKafka::Message>> work_messages;
  std::vector<std::unique_ptr<RdKafka::Message>> events;
  for (auto& m : pending_) {
    (m->topic_name() == options_.fanout_topic ? work_messages : events).push_back(std::move(m));
  }
  pending_ = std::move(events);
  if (work_messages.empty()) return absl::OkStatus();
  std::vector<std::optional<FanoutWork>> work;
  work.reserve(work_messages.size());
  for (const auto& m : work_messages) {
    work.push_back(
        ReadFanoutRecord(m->key() != nullptr ? std::string_view(*m->key()) : std::string_view(),
                         std::string_view(static_cast<const char*>(m->payload()), m->len())));
  }
  absl::StatusOr<std::unique_ptr<Intake::Pending>> submitted =
      intake_.SubmitFanout(work, "kafka", [waker = waker_] { waker->Wake(); });
  if (!submitted.ok()) {
    // Back in hand, before the events, for the retry.
    std::move(pending_.begin(), pending_.end(), std::back_inserter(work_messages));
    pending_ = std::move(work_messages);
    return submitted.status();
  }
  in_flight_.push_back({std::move(work_messages), *std::move(submitted)});
  return absl::OkStatus();
}

absl::Status EventConsumer::FinishOldest() {
  InFlight& oldest = in_flight_.front();
  absl::StatusOr<std::vector<IntakeOutcome>> outcomes = oldest.intake->Wait();
  if (!outcomes.ok()) return outcomes.status();
  int64_t created = 0;
  std::vector<DeadLetter> letters;
  for (size_t i = 0; i < outcomes->size(); ++i) {
    const IntakeOutcome& outcome = (*outcomes)[i];
    created += outcome.notifications_created;
    if (!outcome.rejection) continue;
    const RdKafka::Message& m = *oldest.messages[i];
    letters.push_back({m.key() != nullptr ? *m.key() : std::string(),
                       std::string(static_cast<const char*>(m.payload()), m.len()),
                       HeaderValue(m, "content-type"), *outcome.rejection, m.topic_name(),
                       m.partition(), m.offset(), HeaderValue(m, "traceparent")});
  }
  SetBacklog(backlog_ + created);  // pause at once when full, not at the next check
  absl::Status sent = dead_letters_->Send(letters, kDeadLetterLimit);
  if (!sent.ok()) return sent;
  for (const DeadLetter& letter : letters) {
    dead_lettered_.Add({{"reason", std::string(Name(letter.rejection.reason))}}).Increment();
    spdlog::info("msg=\"dead-lettered\" reason={} source={}/{}@{} detail=\"{}\"",
                 Name(letter.rejection.reason), letter.source_topic, letter.source_partition,
                 letter.source_offset, letter.rejection.Message());
  }
  std::vector<const RdKafka::Message*> done;
  done.reserve(oldest.messages.size());
  for (const auto& m : oldest.messages) done.push_back(m.get());
  StoreOffsets(*consumer_, done);
  in_flight_.pop_front();
  return absl::OkStatus();
}

bool EventConsumer::Finish(absl::Status status) {
  if (status.ok()) return true;
  // Every batch in flight goes back in hand, in order, before what came after them;
  // what of them was recorded is a duplicate when they are processed again.
  std::vector<std::unique_ptr<RdKafka::Message>> again;
  for (InFlight& batch : in_flight_) {
    std::move(batch.messages.begin(), batch.messages.end(), std::back_inserter(again));
  }
  in_flight_.clear();  // waits for their writes
  std::move(pending_.begin(), pending_.end(), std::back_inserter(again));
  pending_ = std::move(again);
  errors_.Add({{"kind", "batch_retry"}}).Increment();
  spdlog::warn("msg=\"batch not recorded; consumption paused, retrying\" messages={} error=\"{}\"",
               pending_.size(), status.ToString());
  retry_pending_ = true;
  return false;
}

bool EventConsumer::TryProcess() {
  while (!in_flight_.empty()) {
    if (!Finish(FinishOldest())) return false;
  }
  if (!pending_.empty() && !Finish(Submit())) return false;
  while (!in_flight_.empty()) {
    if (!Finish(FinishOldest())) return false;
  }
  return true;
}

size_t EventConsumer::DropPartitions(const std::vector<RdKafka::TopicPartition*>& partitions) {
  const size_t before = pending_.size();
  std::erase_if(pending_, [&](const std::unique_ptr<RdKafka::Message>& m) {
    return std::any_of(partitions.begin(), partitions.end(), [&](const RdKafka::TopicPartition* p) {
      return p->topic() == m->topic_name() && p->partition() == m->partition();
    });
  });
  return before - pending_.size();
}

absl::Status EventConsumer::ApplyProfileChanges() {
  std::vector<DeadLetter> letters;
  std::vector<const RdKafka::Message*> applied;
  absl::Status failed;
  for (const auto& m : pending_) {
    if (m->topic_name() != options_.profiles_topic) continue;
    const std::string key = m->key() != nullptr ? *m->key() : std::string();
    const std::string content_type = HeaderValue(*m, "content-type");
    const std::string_view value(static_cast<const char*>(m->payload()), m->len());
    std::optional<Rejection> rejection;
    absl::Status status;
    std::string_view result = "applied";
    if (m->payload() == nullptr) {  // a tombstone
      result = "deleted";
      if (key.empty()) {
        rejection = Rejection{RejectReason::kInvalidProfile, "",
                              "a tombstone needs the customer id as its key"};
      } else {
        status = profile_changes_.remove(key, {m->partition(), m->offset()});
      }
    } else {
      v1::UpdateProfileRequest request;
      rejection = DecodeMessage(value, content_type, intake_.limits().max_event_bytes, request);
      if (!rejection && !key.empty() && key != request.profile().customer_id()) {
        rejection = Rejection{RejectReason::kInvalidProfile, "",
                              core::StrCat("the key \"", key, "\" is not profile.customer_id \"",
                                           request.profile().customer_id(), "\"")};
      }
      if (!rejection) status = profile_changes_.update(request, {m->partition(), m->offset()});
    }
    if (!rejection && !status.ok()) {
      if (absl::IsInvalidArgument(status)) {
        rejection = Rejection{RejectReason::kInvalidProfile, "",
                              std::string(core::ToStd(status.message()))};
      } else if (absl::IsNotFound(status)) {
        rejection = Rejection{RejectReason::kUnknownCustomer, "",
                              std::string(core::ToStd(status.message()))};
      } else if (absl::IsFailedPrecondition(status)) {
        // An erased customer's data without a new consent: not kept, and not copied to
        // the dead-letter topic either.
        result = "refused_erased";
        spdlog::info("msg=\"profile change refused\" source={}/{}@{} detail=\"{}\"",
                     m->topic_name(), m->partition(), m->offset(), status.ToString());
      } else {
        failed = status;  // the store is in trouble: this one and the rest again later
        break;
      }
    }
    if (rejection) {
      result = "rejected";
      letters.push_back({key, std::string(value), content_type, *std::move(rejection),
                         m->topic_name(), m->partition(), m->offset(),
                         HeaderValue(*m, "traceparent")});
    }
    profile_results_.Add({{"result", std::string(result)}}).Increment();
    applied.push_back(m.get());
  }
  if (applied.empty()) return failed;
  absl::Status sent = dead_letters_->Send(letters, kDeadLetterLimit);
  if (!sent.ok()) return sent;  // applying them again changes nothing
  for (const DeadLetter& letter : letters) {
    dead_lettered_.Add({{"reason", std::string(Name(letter.rejection.reason))}}).Increment();
    spdlog::info("msg=\"dead-lettered\" reason={} source={}/{}@{} detail=\"{}\"",
                 Name(letter.rejection.reason), letter.source_topic, letter.source_partition,
                 letter.source_offset, letter.rejection.Message());
  }
  StoreOffsets(*consumer_, applied);
  std::erase_if(pending_, [&](const std::unique_ptr<RdKafka::Message>& m) {
    return std::find(applied.begin(), applied.end(), m.get()) != applied.end();
  });
  return failed;
}

}  // namespace herald::ingest
