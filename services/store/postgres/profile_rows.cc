#include "services/store/postgres/profile_rows.h"

#include <unordered_map>

#include "services/core/strings.h"
#include "services/store/common/catalog_rules.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {

absl::StatusOr<std::optional<VersionedProfile>> ReadProfile(Conn& conn,
                                                            std::string_view customer_id,
                                                            bool lock) {
  auto row = conn.Exec(lock ? "SELECT profile, version FROM customers WHERE customer_id = $1"
                              " FOR UPDATE"
                            : "SELECT profile, version FROM customers WHERE customer_id = $1",
                       Params().Add(customer_id));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  auto profile = record::DecodeProfile(row->Bytes(0, 0), customer_id);
  if (!profile.ok()) return profile.status();
  return VersionedProfile{*std::move(profile), row->Int(0, 1)};
}

absl::StatusOr<std::vector<std::optional<core::Profile>>> ReadProfiles(
    Conn& conn, const std::vector<std::string>& customer_ids) {
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < customer_ids.size(); ++i) index.emplace(customer_ids[i], i);
  auto rows =
      conn.Exec("SELECT customer_id, profile FROM customers WHERE customer_id = ANY($1::text[])",
                Params().AddArray(customer_ids));
  if (!rows.ok()) return rows.status();
  std::vector<std::optional<core::Profile>> out(customer_ids.size());
  for (int r = 0; r < rows->rows(); ++r) {
    const std::string id = rows->Text(r, 0);
    auto profile = record::DecodeProfile(rows->Bytes(r, 1), id);
    if (!profile.ok()) return profile.status();
    out[index.at(id)] = *std::move(profile);
  }
  return out;
}

absl::Status WriteProfile(Conn& conn, const core::Profile& profile, int64_t read_version) {
  const std::string packed = record::EncodeProfile(profile);
  if (read_version == 0) {
    auto inserted = conn.Exec(
        "INSERT INTO customers (customer_id, version, profile) VALUES ($1, 1, $2)"
        " ON CONFLICT (customer_id) DO NOTHING",
        Params().Add(profile.customer_id).AddBytes(packed));
    if (!inserted.ok()) return inserted.status();
    if (inserted->affected() == 0) {
      return RetryTransaction("profile " + profile.customer_id + " was created meanwhile");
    }
    return absl::OkStatus();
  }
  auto updated = conn.Exec(
      "UPDATE customers SET version = version + 1, profile = $2"
      " WHERE customer_id = $1 AND version = $3",
      Params().Add(profile.customer_id).AddBytes(packed).Add(read_version));
  if (!updated.ok()) return updated.status();
  if (updated->affected() == 0) {
    return RetryTransaction("profile " + profile.customer_id + " changed meanwhile");
  }
  return absl::OkStatus();
}

absl::Status SuppressBouncedChannel(Conn& conn, std::string_view customer_id, core::Channel channel,
                                    std::string_view detail, core::Time at) {
  auto current = ReadProfile(conn, customer_id, /*lock=*/true);
  if (!current.ok()) return current.status();
  if (!*current) return absl::OkStatus();
  if (!common::AddHardBounce((*current)->profile, channel, detail, at)) return absl::OkStatus();
  return WriteProfile(conn, (*current)->profile, (*current)->version);
}

absl::StatusOr<std::optional<TopicPosition>> LockTopicPosition(Conn& conn,
                                                               std::string_view customer_id) {
  auto row = conn.Exec(
      "SELECT topic_partition, topic_offset FROM profile_positions WHERE customer_id = $1"
      " FOR UPDATE",
      Params().Add(customer_id));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  return TopicPosition{static_cast<int32_t>(row->Int(0, 0)), row->Int(0, 1)};
}

absl::Status WriteTopicPosition(Conn& conn, std::string_view customer_id, const TopicPosition& at,
                                bool first) {
  if (first) {
    auto inserted = conn.Exec(
        "INSERT INTO profile_positions (customer_id, topic_partition, topic_offset)"
        " VALUES ($1, $2, $3) ON CONFLICT (customer_id) DO NOTHING",
        Params().Add(customer_id).Add(at.partition).Add(at.offset));
    if (!inserted.ok()) return inserted.status();
    if (inserted->affected() == 0) {
      return RetryTransaction(
          core::StrCat("profile ", customer_id, ": a change from the topic was applied meanwhile"));
    }
    return absl::OkStatus();
  }
  return conn
      .Exec(
          "UPDATE profile_positions SET topic_partition = $2, topic_offset = $3"
          " WHERE customer_id = $1",
          Params().Add(customer_id).Add(at.partition).Add(at.offset))
      .status();
}

}  // namespace herald::store::postgres
