#include "services/ingest/fanout.h"

#include <charconv>

#include "services/core/strings.h"

namespace herald::ingest {
namespace {

constexpr std::string_view kPrefix = "herald-fanout/1 ";
// Records produced and waited for at a time: a 100,000-customer outage in a few sends.
constexpr size_t kChunk = 20'000;

bool ReadInt(std::string_view& text, int64_t& out) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + space, out);
  if (ec != std::errc() || end != text.data() + space) return false;
  text.remove_prefix(space + 1);
  return true;
}

}  // namespace

TopicRecord FanoutRecord(const FanoutWork& work) {
  return {work.customer_id,
          core::StrCat(kPrefix, work.event_seq, " ", work.append_time.time_since_epoch().count(),
                       " ", work.event_id),
          {}};
}

std::optional<FanoutWork> ReadFanoutRecord(std::string_view key, std::string_view value) {
  if (key.empty() || !value.starts_with(kPrefix)) return std::nullopt;
  value.remove_prefix(kPrefix.size());
  FanoutWork work;
  int64_t append_us = 0;
  if (!ReadInt(value, work.event_seq) || !ReadInt(value, append_us) || value.empty() ||
      work.event_seq <= 0) {
    return std::nullopt;
  }
  work.event_id = std::string(value);
  work.customer_id = std::string(key);
  work.append_time = core::Time(std::chrono::microseconds(append_us));
  return work;
}

absl::StatusOr<std::unique_ptr<KafkaFanout>> KafkaFanout::Create(
    std::map<std::string, std::string> properties, const std::string& topic) {
  properties.emplace("partitioner", "murmur2_random");
  auto producer =
      TopicProducer::Create(properties, topic, "fan-out topic", std::chrono::seconds(30));
  if (!producer.ok()) return producer.status();
  return std::unique_ptr<KafkaFanout>(new KafkaFanout(*std::move(producer)));
}

absl::Status KafkaFanout::Publish(const std::vector<FanoutWork>& work) {
  for (size_t begin = 0; begin < work.size(); begin += kChunk) {
    std::vector<TopicRecord> records;
    const size_t end = std::min(work.size(), begin + kChunk);
    records.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) records.push_back(FanoutRecord(work[i]));
    absl::Status sent = producer_->Send(records, std::chrono::seconds(60));
    if (!sent.ok()) return sent;
  }
  return absl::OkStatus();
}

}  // namespace herald::ingest
