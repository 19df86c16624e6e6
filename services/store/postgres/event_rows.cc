#include "services/store/postgres/event_rows.h"

#include <unordered_map>

#include "services/core/strings.h"
#include "services/store/postgres/rows.h"

namespace herald::store::postgres {
namespace {

constexpr char kColumns[] =
    "SELECT event_seq, event_id, event_type, occur_time_us, source, content_type, body, origin,"
    " receive_time_us, trace_id FROM events";

EventRecord FromRow(const Result& r, int row) {
  EventRecord record;
  record.seq = r.Int(row, 0);
  record.event.event_id = r.Text(row, 1);
  record.event.event_type = r.Text(row, 2);
  record.event.occur_time = FromMicros(r.Int(row, 3));
  record.event.source = r.Text(row, 4);
  record.content_type = r.Text(row, 5);
  record.body = r.Bytes(row, 6);
  record.origin = r.Text(row, 7);
  record.receive_time = FromMicros(r.Int(row, 8));
  record.trace_id = core::TraceId::FromHex(r.View(row, 9)).value_or(core::TraceId());
  return record;
}

}  // namespace

absl::StatusOr<std::vector<std::optional<int64_t>>> InsertEvents(
    Conn& conn, const std::vector<NewEvent>& events) {
  std::vector<std::optional<int64_t>> out(events.size());
  if (events.empty()) return out;
  std::vector<std::string> ids, types, sources, content_types, bodies, origins, complete, traces;
  std::vector<int64_t> occurs, counts, receives;
  for (const NewEvent& n : events) {
    const EventRecord& record = *n.record;
    const core::Event& e = record.event;
    ids.push_back(e.event_id);
    types.push_back(e.event_type);
    occurs.push_back(ToMicros(e.occur_time));
    sources.push_back(e.source);
    counts.push_back(static_cast<int64_t>(e.customer_ids.size()));
    content_types.push_back(record.content_type);
    bodies.push_back(ByteaText(record.body));
    origins.push_back(record.origin);
    receives.push_back(ToMicros(record.receive_time));
    complete.emplace_back(n.complete ? "t" : "f");
    traces.emplace_back(record.trace_id.hex());
  }
  auto inserted = conn.Exec(
      "INSERT INTO events (event_id, event_type, occur_time_us, source, customer_count,"
      " content_type, body, origin, receive_time_us, complete, trace_id)"
      " SELECT u.id, u.type, u.occur, u.source, u.count, u.content_type, u.body, u.origin,"
      " u.receive, u.complete, NULLIF(u.trace, '')"
      " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[],"
      " $7::bytea[], $8::text[], $9::bigint[], $10::boolean[], $11::text[]) WITH ORDINALITY"
      " AS u(id, type, occur, source, count, content_type, body, origin, receive, complete,"
      " trace, position)"
      " ORDER BY u.position"
      " ON CONFLICT (event_id) DO NOTHING RETURNING event_id, event_seq",
      Params()
          .AddArray(ids)
          .AddArray(types)
          .AddArray(occurs)
          .AddArray(sources)
          .AddArray(counts)
          .AddArray(content_types)
          .AddArray(bodies)
          .AddArray(origins)
          .AddArray(receives)
          .AddArray(complete)
          .AddArray(traces));
  if (!inserted.ok()) return inserted.status();
  std::unordered_map<std::string, int64_t> seqs;
  for (int r = 0; r < inserted->rows(); ++r)
    seqs.emplace(inserted->Text(r, 0), inserted->Int(r, 1));
  for (size_t i = 0; i < events.size(); ++i) {
    auto it = seqs.find(ids[i]);
    if (it == seqs.end()) continue;
    out[i] = it->second;
    seqs.erase(it);  // the same id twice: the first is the one
  }
  return out;
}

absl::Status MarkEventComplete(Conn& conn, int64_t event_seq) {
  return conn
      .Exec("UPDATE events SET complete = true WHERE event_seq = $1", Params().Add(event_seq))
      .status();
}

absl::StatusOr<std::optional<EventRecord>> ReadEvent(Conn& conn, std::string_view event_id) {
  auto row = conn.Exec(core::StrCat(kColumns, " WHERE event_id = $1"), Params().Add(event_id));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  return FromRow(*row, 0);
}

absl::StatusOr<std::optional<int64_t>> SelectEventSeq(Conn& conn, std::string_view event_id) {
  auto row = conn.Exec("SELECT event_seq FROM events WHERE event_id = $1", Params().Add(event_id));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  return row->Int(0, 0);
}

absl::StatusOr<std::vector<std::optional<EventRecord>>> ReadEventsBySeq(
    Conn& conn, const std::vector<int64_t>& seqs) {
  auto rows = conn.Exec(core::StrCat(kColumns, " WHERE event_seq = ANY($1::bigint[])"),
                        Params().AddArray(seqs));
  if (!rows.ok()) return rows.status();
  std::unordered_map<int64_t, EventRecord> found;
  for (int r = 0; r < rows->rows(); ++r) {
    EventRecord record = FromRow(*rows, r);
    const int64_t seq = record.seq;
    found.emplace(seq, std::move(record));
  }
  std::vector<std::optional<EventRecord>> out;
  out.reserve(seqs.size());
  for (int64_t seq : seqs) {
    auto it = found.find(seq);
    out.push_back(it == found.end() ? std::nullopt : std::optional<EventRecord>(it->second));
  }
  return out;
}

absl::StatusOr<std::vector<KnownEvent>> SelectKnownEvents(Conn& conn,
                                                          const std::vector<std::string>& ids) {
  auto rows =
      conn.Exec("SELECT event_id, event_seq, complete FROM events WHERE event_id = ANY($1::text[])",
                Params().AddArray(ids));
  if (!rows.ok()) return rows.status();
  std::unordered_map<std::string, KnownEvent> known;
  for (int r = 0; r < rows->rows(); ++r) {
    known[rows->Text(r, 0)] = {
        rows->Bool(r, 2) ? KnownEvent::State::kComplete : KnownEvent::State::kPartial,
        rows->Int(r, 1)};
  }
  std::vector<KnownEvent> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto it = known.find(id);
    out.push_back(it == known.end() ? KnownEvent{} : it->second);
  }
  return out;
}

}  // namespace herald::store::postgres
