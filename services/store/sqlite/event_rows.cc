#include "services/store/sqlite/event_rows.h"

#include <unordered_map>

#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr char kColumns[] =
    "SELECT event_seq, event_id, event_type, occur_time_us, source, content_type, body, origin,"
    " receive_time_us, trace_id FROM events";

EventRecord FromRow(const Statement& r) {
  EventRecord record;
  record.seq = r.ColumnInt(0);
  record.event.event_id = r.ColumnText(1);
  record.event.event_type = r.ColumnText(2);
  record.event.occur_time = FromMicros(r.ColumnInt(3));
  record.event.source = r.ColumnText(4);
  record.content_type = r.ColumnText(5);
  record.body = r.ColumnText(6);
  record.origin = r.ColumnText(7);
  record.receive_time = FromMicros(r.ColumnInt(8));
  record.trace_id = core::TraceId::FromHex(r.ColumnView(9)).value_or(core::TraceId());
  return record;
}

}  // namespace

absl::StatusOr<std::optional<int64_t>> InsertEvent(Db& db, const EventRecord& record,
                                                   bool complete) {
  auto insert = db.Prepare(
      "INSERT INTO events (event_id, event_type, occur_time_us, source, customer_count,"
      " content_type, body, origin, receive_time_us, complete, trace_id)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULLIF(?11, ''))"
      " ON CONFLICT (event_id) DO NOTHING");
  if (!insert.ok()) return insert.status();
  const core::Event& e = record.event;
  absl::StatusOr<bool> inserted = (*insert)
                                      ->Bind(1, e.event_id)
                                      .Bind(2, e.event_type)
                                      .Bind(3, ToMicros(e.occur_time))
                                      .Bind(4, e.source)
                                      .Bind(5, static_cast<int64_t>(e.customer_ids.size()))
                                      .Bind(6, record.content_type)
                                      .BindBlob(7, record.body)
                                      .Bind(8, record.origin)
                                      .Bind(9, ToMicros(record.receive_time))
                                      .Bind(10, int64_t{complete ? 1 : 0})
                                      .Bind(11, record.trace_id.hex())
                                      .RunChanged();
  if (!inserted.ok()) return inserted.status();
  if (!*inserted) return std::nullopt;
  return db.LastInsertRowId();
}

absl::Status MarkEventComplete(Db& db, int64_t event_seq) {
  auto update = db.Prepare("UPDATE events SET complete = 1 WHERE event_seq = ?1");
  if (!update.ok()) return update.status();
  return (*update)->Bind(1, event_seq).Run();
}

absl::StatusOr<std::optional<EventRecord>> ReadEvent(Db& db, std::string_view event_id) {
  auto query = db.Prepare(std::string(kColumns) + " WHERE event_id = ?1");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, event_id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return FromRow(**query);
}

absl::StatusOr<std::optional<int64_t>> SelectEventSeq(Db& db, std::string_view event_id) {
  auto query = db.Prepare("SELECT event_seq FROM events WHERE event_id = ?1");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, event_id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return (*query)->ColumnInt(0);
}

absl::StatusOr<std::vector<std::optional<EventRecord>>> ReadEventsBySeq(
    Db& db, const std::vector<int64_t>& seqs) {
  auto query =
      db.Prepare(std::string(kColumns) + " WHERE event_seq IN (SELECT value FROM json_each(?1))");
  if (!query.ok()) return query.status();
  std::unordered_map<int64_t, EventRecord> found;
  absl::Status status = (*query)->Bind(1, JsonArray(seqs)).ForEachRow([&](Statement& r) {
    EventRecord record = FromRow(r);
    const int64_t seq = record.seq;
    found.emplace(seq, std::move(record));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<std::optional<EventRecord>> out;
  out.reserve(seqs.size());
  for (int64_t seq : seqs) {
    auto it = found.find(seq);
    out.push_back(it == found.end() ? std::nullopt : std::optional<EventRecord>(it->second));
  }
  return out;
}

absl::StatusOr<std::vector<KnownEvent>> SelectKnownEvents(Db& db,
                                                          const std::vector<std::string>& ids) {
  auto query = db.Prepare(
      "SELECT event_id, event_seq, complete FROM events"
      " WHERE event_id IN (SELECT value FROM json_each(?1))");
  if (!query.ok()) return query.status();
  std::unordered_map<std::string, KnownEvent> known;
  absl::Status status = (*query)->Bind(1, JsonArray(ids)).ForEachRow([&](Statement& r) {
    known[r.ColumnText(0)] = {
        r.ColumnInt(2) != 0 ? KnownEvent::State::kComplete : KnownEvent::State::kPartial,
        r.ColumnInt(1)};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<KnownEvent> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto it = known.find(id);
    out.push_back(it == known.end() ? KnownEvent{} : it->second);
  }
  return out;
}

}  // namespace herald::store::sqlite
