// SqliteStore: erasure and retention (PrivacyStore).
#include "services/core/masking.h"
#include "services/core/strings.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/rows.h"
#include "services/store/sqlite/sqlite_store.h"

namespace herald::store::sqlite {
namespace {

constexpr char kSettled[] =
    "state IN ('SUPPRESSED', 'SENT', 'DELIVERED', 'BOUNCED', 'FAILED', 'UNKNOWN')";

// What a message keeps once its content is gone: channel, locale, sizes, times.
constexpr char kBlankMessages[] =
    "UPDATE messages SET address = '', subject = '', text_body = '', html_body = '',"
    " sms_text = '' WHERE notification_seq IN (SELECT value FROM json_each(?1))";

// Event bodies nobody needs any more: every notification of the event purged.
constexpr char kBlankEvents[] =
    "UPDATE events SET body = X'' WHERE event_seq IN (SELECT value FROM json_each(?1))"
    " AND complete = 1 AND length(body) > 0 AND NOT EXISTS (SELECT 1 FROM notifications n"
    " WHERE n.event_seq = events.event_seq AND n.purge_time_us IS NULL)";

absl::Status RunWithSeqs(Db& db, std::string_view sql, const std::vector<int64_t>& seqs) {
  auto statement = db.Prepare(sql);
  if (!statement.ok()) return statement.status();
  return (*statement)->Bind(1, JsonArray(seqs)).Run();
}

// The notifications `select` names (seq, event_seq), as two lists.
absl::Status SelectSeqs(Db& db, std::string_view select, core::Time before, int limit,
                        std::vector<int64_t>& seqs, std::vector<int64_t>& event_seqs) {
  auto query = db.Prepare(select);
  if (!query.ok()) return query.status();
  return (*query)->Bind(1, ToMicros(before)).Bind(2, int64_t{limit}).ForEachRow([&](Statement& r) {
    seqs.push_back(r.ColumnInt(0));
    event_seqs.push_back(r.ColumnInt(1));
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<int64_t> SqliteStore::EraseCustomerContent(const Erasure& erasure) {
  int64_t marked = 0;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    Db& db = tx.db();
    marked = 0;
    auto query = db.Prepare(
        "SELECT seq, notification_id, event_seq, record, purge_time_us IS NULL"
        " FROM notifications WHERE customer_id = ?1");
    if (!query.ok()) return query.status();
    struct Row {
      int64_t seq;
      std::string record;
      bool unpurged;
    };
    std::vector<Row> rows;
    std::vector<int64_t> seqs;
    std::vector<int64_t> event_seqs;
    const auto scrub = [&](std::string_view text) { return core::EraseTerms(text, erasure.terms); };
    absl::Status read =
        (*query)->Bind(1, erasure.customer_id).ForEachRow([&](Statement& r) -> absl::Status {
          absl::StatusOr<std::string> scrubbed =
              record::ScrubRecord(r.ColumnView(3), r.ColumnView(1), scrub);
          if (!scrubbed.ok()) return scrubbed.status();
          const bool unpurged = r.ColumnInt(4) != 0;
          if (unpurged) {
            scrubbed->append(record::PurgeBytes({erasure.at, core::PurgeReason::kErasure}));
          }
          rows.push_back({r.ColumnInt(0), *std::move(scrubbed), unpurged});
          seqs.push_back(r.ColumnInt(0));
          event_seqs.push_back(r.ColumnInt(2));
          return absl::OkStatus();
        });
    if (!read.ok()) return read;
    for (const Row& row : rows) {
      auto update = db.Prepare(
          "UPDATE notifications SET subject = '', record = ?2,"
          " purge_time_us = COALESCE(purge_time_us, ?3) WHERE seq = ?1");
      if (!update.ok()) return update.status();
      absl::Status written =
          (*update)->Bind(1, row.seq).BindBlob(2, row.record).Bind(3, ToMicros(erasure.at)).Run();
      if (!written.ok()) return written;
      if (row.unpurged) ++marked;
    }
    if (absl::Status s = RunWithSeqs(db, kBlankMessages, seqs); !s.ok()) return s;
    // The body of an event addressed to them alone is theirs (its overrides, its
    // attributes); an audience's body is everyone's and names no one's contact data.
    return RunWithSeqs(db,
                       "UPDATE events SET body = X'' WHERE customer_count = 1"
                       " AND event_seq IN (SELECT value FROM json_each(?1))",
                       event_seqs);
  });
  if (!status.ok()) return status;
  return marked;
}

absl::StatusOr<int64_t> SqliteStore::PurgeContent(core::Time before, core::Time at, int limit) {
  int64_t purged = 0;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    Db& db = tx.db();
    std::vector<int64_t> seqs;
    std::vector<int64_t> event_seqs;
    absl::Status selected = SelectSeqs(
        db,
        core::StrCat("SELECT seq, event_seq FROM notifications WHERE purge_time_us IS NULL"
                     " AND create_time_us < ?1 AND ",
                     kSettled, " ORDER BY create_time_us LIMIT ?2"),
        before, limit, seqs, event_seqs);
    if (!selected.ok()) return selected;
    purged = static_cast<int64_t>(seqs.size());
    if (seqs.empty()) return absl::OkStatus();
    auto mark = db.Prepare(
        "UPDATE notifications SET subject = '', purge_time_us = ?2,"
        " record = CAST(record || ?3 AS BLOB)"
        " WHERE seq IN (SELECT value FROM json_each(?1))");
    if (!mark.ok()) return mark.status();
    absl::Status marked = (*mark)
                              ->Bind(1, JsonArray(seqs))
                              .Bind(2, ToMicros(at))
                              .BindBlob(3, record::PurgeBytes({at, core::PurgeReason::kRetention}))
                              .Run();
    if (!marked.ok()) return marked;
    if (absl::Status s = RunWithSeqs(db, kBlankMessages, seqs); !s.ok()) return s;
    return RunWithSeqs(db, kBlankEvents, event_seqs);
  });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<int64_t> SqliteStore::DeleteNotifications(core::Time before, int limit) {
  int64_t deleted = 0;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    Db& db = tx.db();
    std::vector<int64_t> seqs;
    std::vector<int64_t> event_seqs;
    // The oldest rows by number (creation order), a bounded look at the head of the
    // table: no index on creation time is kept for this alone.
    absl::Status selected = SelectSeqs(
        db,
        core::StrCat("SELECT seq, event_seq FROM (SELECT seq, event_seq, state, create_time_us"
                     " FROM notifications ORDER BY seq LIMIT ?2 * 4)"
                     " WHERE create_time_us < ?1 AND ",
                     kSettled, " LIMIT ?2"),
        before, limit, seqs, event_seqs);
    if (!selected.ok()) return selected;
    deleted = static_cast<int64_t>(seqs.size());
    if (seqs.empty()) return absl::OkStatus();
    for (std::string_view sql : {
             "DELETE FROM messages WHERE notification_seq IN (SELECT value FROM json_each(?1))",
             "DELETE FROM provider_ids WHERE notification_seq IN (SELECT value FROM json_each(?1))",
             "DELETE FROM notifications WHERE seq IN (SELECT value FROM json_each(?1))",
         }) {
      if (absl::Status s = RunWithSeqs(db, sql, seqs); !s.ok()) return s;
    }
    return RunWithSeqs(db,
                       "DELETE FROM events WHERE event_seq IN (SELECT value FROM json_each(?1))"
                       " AND complete = 1 AND NOT EXISTS (SELECT 1 FROM notifications n"
                       " WHERE n.event_seq = events.event_seq)",
                       event_seqs);
  });
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace herald::store::sqlite
