// PostgresStore: erasure and retention (PrivacyStore).
#include "services/core/masking.h"
#include "services/core/strings.h"
#include "services/store/postgres/postgres_store.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

constexpr char kSettled[] =
    "state IN ('SUPPRESSED', 'SENT', 'DELIVERED', 'BOUNCED', 'FAILED', 'UNKNOWN')";

// What a message keeps once its content is gone: channel, locale, sizes, times.
constexpr char kBlankMessages[] =
    "UPDATE messages SET address = '', subject = '', text_body = '', html_body = '',"
    " sms_text = '' WHERE notification_seq = ANY($1::bigint[])";

// Event bodies nobody needs any more: every notification of the event purged.
constexpr char kBlankEvents[] =
    "UPDATE events SET body = ''::bytea WHERE event_seq = ANY($1::bigint[]) AND complete"
    " AND length(body) > 0 AND NOT EXISTS (SELECT 1 FROM notifications n"
    " WHERE n.event_seq = events.event_seq AND n.purge_time_us IS NULL)";

absl::Status RunWithSeqs(Conn& conn, std::string_view sql, const std::vector<int64_t>& seqs) {
  return conn.Exec(sql, Params().AddArray(seqs)).status();
}

// The (seq, event_seq) pairs a statement returned, as two lists.
void SplitSeqs(const Result& result, std::vector<int64_t>& seqs, std::vector<int64_t>& event_seqs) {
  for (int i = 0; i < result.rows(); ++i) {
    seqs.push_back(result.Int(i, 0));
    event_seqs.push_back(result.Int(i, 1));
  }
}

}  // namespace

absl::StatusOr<int64_t> PostgresStore::EraseCustomerContent(const Erasure& erasure) {
  int64_t marked = 0;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    Conn& conn = tx.conn();
    marked = 0;
    // Locked: a hand-off's result appended meanwhile would otherwise be overwritten.
    auto rows = conn.Exec(
        "SELECT seq, notification_id, event_seq, record, purge_time_us IS NULL"
        " FROM notifications WHERE customer_id = $1 ORDER BY seq FOR UPDATE",
        Params().Add(erasure.customer_id));
    if (!rows.ok()) return rows.status();
    std::vector<int64_t> seqs;
    std::vector<int64_t> event_seqs;
    const auto scrub = [&](std::string_view text) { return core::EraseTerms(text, erasure.terms); };
    for (int i = 0; i < rows->rows(); ++i) {
      absl::StatusOr<std::string> scrubbed =
          record::ScrubRecord(rows->Bytes(i, 3), rows->View(i, 1), scrub);
      if (!scrubbed.ok()) return scrubbed.status();
      const bool unpurged = rows->Bool(i, 4);
      if (unpurged) {
        scrubbed->append(record::PurgeBytes({erasure.at, core::PurgeReason::kErasure}));
        ++marked;
      }
      auto written = conn.Exec(
          "UPDATE notifications SET subject = '', record = $2,"
          " purge_time_us = COALESCE(purge_time_us, $3) WHERE seq = $1",
          Params().Add(rows->Int(i, 0)).AddBytes(*scrubbed).Add(ToMicros(erasure.at)));
      if (!written.ok()) return written.status();
      seqs.push_back(rows->Int(i, 0));
      event_seqs.push_back(rows->Int(i, 2));
    }
    if (absl::Status s = RunWithSeqs(conn, kBlankMessages, seqs); !s.ok()) return s;
    // The body of an event addressed to them alone is theirs (its overrides, its
    // attributes); an audience's body is everyone's and names no one's contact data.
    return RunWithSeqs(conn,
                       "UPDATE events SET body = ''::bytea WHERE customer_count = 1"
                       " AND event_seq = ANY($1::bigint[])",
                       event_seqs);
  });
  if (!status.ok()) return status;
  return marked;
}

absl::StatusOr<int64_t> PostgresStore::PurgeContent(core::Time before, core::Time at, int limit) {
  int64_t purged = 0;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    Conn& conn = tx.conn();
    // SKIP LOCKED: instances running retention together take different rows.
    auto batch = conn.Exec(
        core::StrCat("WITH batch AS (SELECT seq FROM notifications WHERE purge_time_us IS NULL"
                     " AND create_time_us < $1 AND ",
                     kSettled,
                     " ORDER BY create_time_us LIMIT $2 FOR UPDATE SKIP LOCKED)"
                     " UPDATE notifications n SET subject = '', purge_time_us = $3,"
                     " record = n.record || $4 FROM batch WHERE n.seq = batch.seq"
                     " RETURNING n.seq, n.event_seq"),
        Params()
            .Add(ToMicros(before))
            .Add(int64_t{limit})
            .Add(ToMicros(at))
            .AddBytes(record::PurgeBytes({at, core::PurgeReason::kRetention})));
    if (!batch.ok()) return batch.status();
    std::vector<int64_t> seqs;
    std::vector<int64_t> event_seqs;
    SplitSeqs(*batch, seqs, event_seqs);
    purged = static_cast<int64_t>(seqs.size());
    if (seqs.empty()) return absl::OkStatus();
    if (absl::Status s = RunWithSeqs(conn, kBlankMessages, seqs); !s.ok()) return s;
    return RunWithSeqs(conn, kBlankEvents, event_seqs);
  });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<int64_t> PostgresStore::DeleteNotifications(core::Time before, int limit) {
  int64_t deleted = 0;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    Conn& conn = tx.conn();
    // The oldest rows by number (creation order), a bounded look at the head of the
    // table: no index on creation time is kept for this alone.
    auto batch = conn.Exec(
        core::StrCat("WITH head AS (SELECT seq FROM notifications ORDER BY seq LIMIT $2 * 4),"
                     " batch AS (SELECT n.seq FROM notifications n JOIN head USING (seq)"
                     " WHERE n.create_time_us < $1 AND n.",
                     kSettled,
                     " ORDER BY n.seq LIMIT $2 FOR UPDATE OF n SKIP LOCKED)"
                     " DELETE FROM notifications d USING batch WHERE d.seq = batch.seq"
                     " RETURNING d.seq, d.event_seq"),
        Params().Add(ToMicros(before)).Add(int64_t{limit}));
    if (!batch.ok()) return batch.status();
    std::vector<int64_t> seqs;
    std::vector<int64_t> event_seqs;
    SplitSeqs(*batch, seqs, event_seqs);
    deleted = static_cast<int64_t>(seqs.size());
    if (seqs.empty()) return absl::OkStatus();
    for (std::string_view sql : {
             "DELETE FROM messages WHERE notification_seq = ANY($1::bigint[])",
             "DELETE FROM provider_ids WHERE notification_seq = ANY($1::bigint[])",
         }) {
      if (absl::Status s = RunWithSeqs(conn, sql, seqs); !s.ok()) return s;
    }
    return RunWithSeqs(conn,
                       "DELETE FROM events WHERE event_seq = ANY($1::bigint[]) AND complete"
                       " AND NOT EXISTS (SELECT 1 FROM notifications n"
                       " WHERE n.event_seq = events.event_seq)",
                       event_seqs);
  });
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace herald::store::postgres
