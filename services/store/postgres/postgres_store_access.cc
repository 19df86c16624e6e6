// PostgresStore: API keys, the audit trail and dead-letter replays.
#include "services/core/strings.h"
#include "services/store/postgres/api_key_rows.h"
#include "services/store/postgres/audit_rows.h"
#include "services/store/postgres/dead_letter_rows.h"
#include "services/store/postgres/postgres_store.h"

namespace herald::store::postgres {
namespace {

absl::Status KeyNotFound(std::string_view id) {
  return absl::NotFoundError(core::StrCat("api key \"", id, "\" not found"));
}

}  // namespace

absl::Status PostgresStore::CreateApiKey(const core::ApiKey& key) {
  return Write([&](WriteTx& tx) { return InsertApiKey(tx.conn(), key); });
}

absl::StatusOr<core::ApiKey> PostgresStore::GetApiKey(std::string_view id) {
  absl::StatusOr<std::optional<core::ApiKey>> key;
  absl::Status status = Read([&](Conn& conn) {
    key = ReadApiKey(conn, id);
    return key.status();
  });
  if (!status.ok()) return status;
  if (!*key) return KeyNotFound(id);
  return std::move(**key);
}

absl::StatusOr<Page<core::ApiKey>> PostgresStore::ListApiKeys(std::string_view after, int limit) {
  absl::StatusOr<std::vector<core::ApiKey>> keys;
  absl::Status status = Read([&](Conn& conn) {
    keys = SelectApiKeys(conn, after, limit + 1);
    return keys.status();
  });
  if (!status.ok()) return status;
  return PageFrom(*std::move(keys), limit, [](const core::ApiKey& key) { return key.id; });
}

absl::StatusOr<core::ApiKey> PostgresStore::RevokeApiKey(std::string_view id, core::Time at) {
  std::optional<core::ApiKey> revoked;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<std::optional<core::ApiKey>> key = WriteRevocation(tx.conn(), id, at);
    if (!key.ok()) return key.status();
    if (!*key) return KeyNotFound(id);
    revoked = std::move(**key);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return *std::move(revoked);
}

absl::Status PostgresStore::RecordReplays(const std::vector<DeadLetterReplay>& replays) {
  return Write([&](WriteTx& tx) -> absl::Status {
    for (const DeadLetterReplay& replay : replays) {
      absl::Status written = UpsertReplay(tx.conn(), replay);
      if (!written.ok()) return written;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::map<std::string, DeadLetterReplay>> PostgresStore::GetReplays(
    const std::vector<std::string>& ids) {
  absl::StatusOr<std::map<std::string, DeadLetterReplay>> replays;
  absl::Status status = Read([&](Conn& conn) {
    replays = SelectReplays(conn, ids);
    return replays.status();
  });
  if (!status.ok()) return status;
  return *std::move(replays);
}

}  // namespace herald::store::postgres

// PostgresStore: the audit trail.
namespace herald::store::postgres {

absl::StatusOr<core::AuditRecord> PostgresStore::AppendAudit(core::AuditRecord record) {
  absl::Status status =
      Write([&](WriteTx& tx) -> absl::Status { return AppendAuditRow(tx.conn(), record); });
  if (!status.ok()) return status;
  return record;
}

absl::StatusOr<Page<core::AuditRecord>> PostgresStore::ListAudit(const AuditFilter& filter,
                                                                 int64_t after, int limit) {
  absl::StatusOr<std::vector<core::AuditRecord>> records;
  absl::Status status = Read([&](Conn& conn) {
    records = SelectAudit(conn, filter, after, limit + 1);
    return records.status();
  });
  if (!status.ok()) return status;
  return PageFrom(*std::move(records), limit,
                  [](const core::AuditRecord& r) { return std::to_string(r.sequence); });
}

}  // namespace herald::store::postgres
