#include "services/store/postgres/api_key_rows.h"

#include "services/core/strings.h"
#include "services/store/postgres/rows.h"

namespace herald::store::postgres {
namespace {

constexpr std::string_view kKeyColumns =
    "key_id, name, role, secret_sha256, created_by, create_time_us, expire_time_us,"
    " revoke_time_us";

absl::StatusOr<core::ApiKey> KeyFromRow(const Result& r, int row) {
  core::ApiKey key;
  key.id = r.Text(row, 0);
  key.name = r.Text(row, 1);
  std::optional<core::Role> role = core::ParseRole(r.Text(row, 2));
  if (!role) {
    return absl::DataLossError(
        core::StrCat("api key ", key.id, " has an unknown role \"", r.Text(row, 2), "\""));
  }
  key.role = *role;
  key.secret_sha256 = r.Text(row, 3);
  key.created_by = r.Text(row, 4);
  key.create_time = FromMicros(r.Int(row, 5));
  key.expire_time = OptionalTime(r, row, 6);
  key.revoke_time = OptionalTime(r, row, 7);
  return key;
}

absl::StatusOr<std::optional<core::ApiKey>> FirstKey(const absl::StatusOr<Result>& result) {
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return std::nullopt;
  absl::StatusOr<core::ApiKey> key = KeyFromRow(*result, 0);
  if (!key.ok()) return key.status();
  return *std::move(key);
}

}  // namespace

absl::StatusOr<std::optional<core::ApiKey>> ReadApiKey(Conn& conn, std::string_view id) {
  return FirstKey(conn.Exec(
      core::StrCat("SELECT ", kKeyColumns, " FROM api_keys WHERE key_id = $1"), Params().Add(id)));
}

absl::StatusOr<std::vector<core::ApiKey>> SelectApiKeys(Conn& conn, std::string_view after,
                                                        int limit) {
  auto rows = conn.Exec(core::StrCat("SELECT ", kKeyColumns,
                                     " FROM api_keys WHERE key_id > $1 ORDER BY key_id LIMIT $2"),
                        Params().Add(after).Add(limit));
  if (!rows.ok()) return rows.status();
  std::vector<core::ApiKey> keys;
  for (int i = 0; i < rows->rows(); ++i) {
    absl::StatusOr<core::ApiKey> key = KeyFromRow(*rows, i);
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  return keys;
}

absl::Status InsertApiKey(Conn& conn, const core::ApiKey& key) {
  absl::Status inserted =
      conn.Exec(
              "INSERT INTO api_keys (key_id, name, role, secret_sha256, created_by,"
              " create_time_us, expire_time_us, revoke_time_us)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
              Params()
                  .Add(key.id)
                  .Add(key.name)
                  .Add(core::Name(key.role))
                  .Add(key.secret_sha256)
                  .Add(key.created_by)
                  .Add(ToMicros(key.create_time))
                  .Add(ToMicros(key.expire_time))
                  .Add(ToMicros(key.revoke_time)))
          .status();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(core::StrCat("api key ", key.id, " already exists"));
  }
  return inserted;
}

absl::StatusOr<std::optional<core::ApiKey>> WriteRevocation(Conn& conn, std::string_view id,
                                                            core::Time at) {
  // The first revocation stays: COALESCE keeps a time already set.
  return FirstKey(
      conn.Exec(core::StrCat("UPDATE api_keys SET revoke_time_us = COALESCE(revoke_time_us, $2)"
                             " WHERE key_id = $1 RETURNING ",
                             kKeyColumns),
                Params().Add(id).Add(ToMicros(at))));
}

}  // namespace herald::store::postgres
