#include "services/store/sqlite/api_key_rows.h"

#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr std::string_view kColumns =
    "SELECT key_id, name, role, secret_sha256, created_by, create_time_us, expire_time_us,"
    " revoke_time_us FROM api_keys";

absl::StatusOr<core::ApiKey> KeyFromRow(const Statement& r) {
  core::ApiKey key;
  key.id = r.ColumnText(0);
  key.name = r.ColumnText(1);
  std::optional<core::Role> role = core::ParseRole(r.ColumnText(2));
  if (!role) {
    return absl::DataLossError(
        core::StrCat("api key ", key.id, " has an unknown role \"", r.ColumnText(2), "\""));
  }
  key.role = *role;
  key.secret_sha256 = r.ColumnText(3);
  key.created_by = r.ColumnText(4);
  key.create_time = FromMicros(r.ColumnInt(5));
  key.expire_time = OptionalTime(r, 6);
  key.revoke_time = OptionalTime(r, 7);
  return key;
}

}  // namespace

absl::StatusOr<std::optional<core::ApiKey>> ReadApiKey(Db& db, std::string_view id) {
  auto query = db.Prepare(core::StrCat(kColumns, " WHERE key_id = ?1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  absl::StatusOr<core::ApiKey> key = KeyFromRow(**query);
  if (!key.ok()) return key.status();
  return *std::move(key);
}

absl::StatusOr<std::vector<core::ApiKey>> SelectApiKeys(Db& db, std::string_view after, int limit) {
  auto query = db.Prepare(core::StrCat(kColumns, " WHERE key_id > ?1 ORDER BY key_id LIMIT ?2"));
  if (!query.ok()) return query.status();
  std::vector<core::ApiKey> keys;
  absl::Status status =
      (*query)->Bind(1, after).Bind(2, int64_t{limit}).ForEachRow([&](Statement& r) {
        absl::StatusOr<core::ApiKey> key = KeyFromRow(r);
        if (!key.ok()) return key.status();
        keys.push_back(*std::move(key));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return keys;
}

absl::Status InsertApiKey(Db& db, const core::ApiKey& key) {
  auto insert = db.Prepare(
      "INSERT INTO api_keys (key_id, name, role, secret_sha256, created_by, create_time_us,"
      " expire_time_us, revoke_time_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert.ok()) return insert.status();
  absl::Status inserted = (*insert)
                              ->Bind(1, key.id)
                              .Bind(2, key.name)
                              .Bind(3, core::Name(key.role))
                              .Bind(4, key.secret_sha256)
                              .Bind(5, key.created_by)
                              .Bind(6, ToMicros(key.create_time))
                              .Bind(7, ToMicros(key.expire_time))
                              .Bind(8, ToMicros(key.revoke_time))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(core::StrCat("api key ", key.id, " already exists"));
  }
  return inserted;
}

absl::Status WriteRevocation(Db& db, std::string_view id, core::Time at) {
  auto update = db.Prepare(
      "UPDATE api_keys SET revoke_time_us = ?2 WHERE key_id = ?1 AND revoke_time_us IS NULL");
  if (!update.ok()) return update.status();
  return (*update)->Bind(1, id).Bind(2, ToMicros(at)).Run();
}

}  // namespace herald::store::sqlite
