// SqliteStore: API keys, the audit trail and dead-letter replays.
#include "services/core/strings.h"
#include "services/store/sqlite/api_key_rows.h"
#include "services/store/sqlite/audit_rows.h"
#include "services/store/sqlite/dead_letter_rows.h"
#include "services/store/sqlite/sqlite_store.h"

namespace herald::store::sqlite {
namespace {

absl::Status KeyNotFound(std::string_view id) {
  return absl::NotFoundError(core::StrCat("api key \"", id, "\" not found"));
}

}  // namespace

absl::Status SqliteStore::CreateApiKey(const core::ApiKey& key) {
  return Write([&](WriteTx& tx) { return InsertApiKey(tx.db(), key); },
               Connections::Priority::kUrgent);
}

absl::StatusOr<core::ApiKey> SqliteStore::GetApiKey(std::string_view id) {
  absl::StatusOr<std::optional<core::ApiKey>> key;
  absl::Status status = Read([&](Db& db) {
    key = ReadApiKey(db, id);
    return key.status();
  });
  if (!status.ok()) return status;
  if (!*key) return KeyNotFound(id);
  return std::move(**key);
}

absl::StatusOr<Page<core::ApiKey>> SqliteStore::ListApiKeys(std::string_view after, int limit) {
  absl::StatusOr<std::vector<core::ApiKey>> keys;
  absl::Status status = Read([&](Db& db) {
    keys = SelectApiKeys(db, after, limit + 1);
    return keys.status();
  });
  if (!status.ok()) return status;
  return PageFrom(*std::move(keys), limit, [](const core::ApiKey& key) { return key.id; });
}

absl::StatusOr<core::ApiKey> SqliteStore::RevokeApiKey(std::string_view id, core::Time at) {
  std::optional<core::ApiKey> revoked;
  absl::Status status = Write(
      [&](WriteTx& tx) -> absl::Status {
        absl::Status written = WriteRevocation(tx.db(), id, at);
        if (!written.ok()) return written;
        absl::StatusOr<std::optional<core::ApiKey>> key = ReadApiKey(tx.db(), id);
        if (!key.ok()) return key.status();
        if (!*key) return KeyNotFound(id);
        revoked = std::move(**key);
        return absl::OkStatus();
      },
      Connections::Priority::kUrgent);
  if (!status.ok()) return status;
  return *std::move(revoked);
}

}  // namespace herald::store::sqlite

// SqliteStore: the audit trail.
namespace herald::store::sqlite {

absl::StatusOr<core::AuditRecord> SqliteStore::AppendAudit(core::AuditRecord record) {
  absl::Status status = Write(
      [&](WriteTx& tx) -> absl::Status {
        absl::StatusOr<std::optional<core::AuditRecord>> last = ReadLastAudit(tx.db());
        if (!last.ok()) return last.status();
        record.sequence = *last ? (*last)->sequence + 1 : 1;
        record.prev_hash = *last ? (*last)->hash : "";
        record.hash = core::AuditHash(record);
        return InsertAudit(tx.db(), record);
      },
      Connections::Priority::kUrgent);
  if (!status.ok()) return status;
  return record;
}

absl::StatusOr<Page<core::AuditRecord>> SqliteStore::ListAudit(const AuditFilter& filter,
                                                               int64_t after, int limit) {
  absl::StatusOr<std::vector<core::AuditRecord>> records;
  absl::Status status = Read([&](Db& db) {
    records = SelectAudit(db, filter, after, limit + 1);
    return records.status();
  });
  if (!status.ok()) return status;
  return PageFrom(*std::move(records), limit,
                  [](const core::AuditRecord& r) { return std::to_string(r.sequence); });
}

absl::Status SqliteStore::RecordReplays(const std::vector<DeadLetterReplay>& replays) {
  return Write(
      [&](WriteTx& tx) -> absl::Status {
        for (const DeadLetterReplay& replay : replays) {
          absl::Status written = UpsertReplay(tx.db(), replay);
          if (!written.ok()) return written;
        }
        return absl::OkStatus();
      },
      Connections::Priority::kUrgent);
}

absl::StatusOr<std::map<std::string, DeadLetterReplay>> SqliteStore::GetReplays(
    const std::vector<std::string>& ids) {
  std::map<std::string, DeadLetterReplay> replays;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    for (const std::string& id : ids) {
      absl::StatusOr<std::optional<DeadLetterReplay>> replay = ReadReplay(db, id);
      if (!replay.ok()) return replay.status();
      if (*replay) replays.emplace(id, std::move(**replay));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return replays;
}

}  // namespace herald::store::sqlite
