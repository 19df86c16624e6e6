#include "services/store/sqlite/profile_rows.h"

#include <unordered_map>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/core/strings.h"
#include "services/store/common/catalog_rules.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

absl::Status Corrupt(std::string_view customer_id, std::string_view what) {
  return absl::DataLossError(
      core::StrCat("profile ", customer_id, ": stored ", what, " is not understood"));
}

}  // namespace

absl::StatusOr<std::optional<core::Profile>> ReadProfile(Db& db, std::string_view customer_id) {
  auto row = db.Prepare(
      "SELECT display_name, email, phone, locale, time_zone, preferred_channels,"
      " quiet_start_minute, quiet_end_minute, create_time_us, update_time_us"
      " FROM customers WHERE customer_id = ?1");
  if (!row.ok()) return row.status();
  Statement& s = **row;
  s.Bind(1, customer_id);
  absl::StatusOr<bool> found = s.Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;

  core::Profile p;
  p.customer_id = std::string(customer_id);
  p.display_name = s.ColumnText(0);
  p.email = s.ColumnText(1);
  p.phone = s.ColumnText(2);
  p.locale = s.ColumnText(3);
  p.time_zone = s.ColumnText(4);
  for (absl::string_view name : absl::StrSplit(s.ColumnText(5), ',', absl::SkipEmpty())) {
    std::optional<core::Channel> channel = core::ParseChannel(core::ToStd(name));
    if (!channel) return Corrupt(customer_id, "preferred channel");
    p.preferred_channels.push_back(*channel);
  }
  if (!s.ColumnIsNull(6)) {
    p.quiet_hours =
        core::QuietHours{static_cast<int>(s.ColumnInt(6)), static_cast<int>(s.ColumnInt(7))};
  }
  p.create_time = FromMicros(s.ColumnInt(8));
  p.update_time = FromMicros(s.ColumnInt(9));

  auto consents = db.Prepare(
      "SELECT category, channel, state, source, update_time_us FROM consents"
      " WHERE customer_id = ?1 ORDER BY position");
  if (!consents.ok()) return consents.status();
  absl::Status status = (*consents)->Bind(1, customer_id).ForEachRow([&](Statement& c) {
    auto category = core::ParseCategory(c.ColumnText(0));
    auto channel = core::ParseChannel(c.ColumnText(1));
    auto state = core::ParseConsentState(c.ColumnText(2));
    if (!category || !channel || !state) return Corrupt(customer_id, "consent");
    p.consents.push_back(
        {*category, *channel, *state, c.ColumnText(3), FromMicros(c.ColumnInt(4))});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;

  auto suppressions = db.Prepare(
      "SELECT channel, category, reason, detail, create_time_us, expire_time_us"
      " FROM suppressions WHERE customer_id = ?1 ORDER BY position");
  if (!suppressions.ok()) return suppressions.status();
  status = (*suppressions)->Bind(1, customer_id).ForEachRow([&](Statement& r) {
    core::Suppression sup;
    if (!r.ColumnIsNull(0)) {
      sup.channel = core::ParseChannel(r.ColumnText(0));
      if (!sup.channel) return Corrupt(customer_id, "suppression channel");
    }
    if (!r.ColumnIsNull(1)) {
      sup.category = core::ParseCategory(r.ColumnText(1));
      if (!sup.category) return Corrupt(customer_id, "suppression category");
    }
    auto reason = core::ParseSuppressionReason(r.ColumnText(2));
    if (!reason) return Corrupt(customer_id, "suppression reason");
    sup.reason = *reason;
    sup.detail = r.ColumnText(3);
    sup.create_time = FromMicros(r.ColumnInt(4));
    if (!r.ColumnIsNull(5)) sup.expire_time = FromMicros(r.ColumnInt(5));
    p.suppressions.push_back(std::move(sup));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return p;
}

absl::StatusOr<std::vector<std::optional<core::Profile>>> ReadProfiles(
    Db& db, const std::vector<std::string>& customer_ids) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < customer_ids.size(); ++i) index.emplace(customer_ids[i], i);
  std::vector<std::optional<core::Profile>> out(customer_ids.size());
  const std::string ids = JsonArray(customer_ids);
  auto customers = db.Prepare(
      "SELECT customer_id, display_name, email, phone, locale, time_zone, preferred_channels,"
      " quiet_start_minute, quiet_end_minute, create_time_us, update_time_us"
      " FROM customers WHERE customer_id IN (SELECT value FROM json_each(?1))");
  if (!customers.ok()) return customers.status();
  absl::Status status = (*customers)->Bind(1, ids).ForEachRow([&](Statement& s) {
    core::Profile p;
    p.customer_id = s.ColumnText(0);
    p.display_name = s.ColumnText(1);
    p.email = s.ColumnText(2);
    p.phone = s.ColumnText(3);
    p.locale = s.ColumnText(4);
    p.time_zone = s.ColumnText(5);
    auto channels = SplitChannels(s.ColumnView(6));
    if (!channels) return Corrupt(p.customer_id, "preferred channel");
    p.preferred_channels = *std::move(channels);
    if (!s.ColumnIsNull(7)) {
      p.quiet_hours =
          core::QuietHours{static_cast<int>(s.ColumnInt(7)), static_cast<int>(s.ColumnInt(8))};
    }
    p.create_time = FromMicros(s.ColumnInt(9));
    p.update_time = FromMicros(s.ColumnInt(10));
    out[index.at(p.customer_id)] = std::move(p);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  customers->reset();
  auto consents = db.Prepare(
      "SELECT customer_id, category, channel, state, source, update_time_us FROM consents"
      " WHERE customer_id IN (SELECT value FROM json_each(?1)) ORDER BY customer_id, position");
  if (!consents.ok()) return consents.status();
  status = (*consents)->Bind(1, ids).ForEachRow([&](Statement& c) {
    const std::string id = c.ColumnText(0);
    auto category = core::ParseCategory(c.ColumnView(1));
    auto channel = core::ParseChannel(c.ColumnView(2));
    auto state = core::ParseConsentState(c.ColumnView(3));
    if (!category || !channel || !state) return Corrupt(id, "consent");
    std::optional<core::Profile>& p = out[index.at(id)];
    if (p) {
      p->consents.push_back(
          {*category, *channel, *state, c.ColumnText(4), FromMicros(c.ColumnInt(5))});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  consents->reset();
  auto suppressions = db.Prepare(
      "SELECT customer_id, channel, category, reason, detail, create_time_us, expire_time_us"
      " FROM suppressions WHERE customer_id IN (SELECT value FROM json_each(?1))"
      " ORDER BY customer_id, position");
  if (!suppressions.ok()) return suppressions.status();
  status = (*suppressions)->Bind(1, ids).ForEachRow([&](Statement& r) {
    const std::string id = r.ColumnText(0);
    core::Suppression sup;
    if (!r.ColumnIsNull(1)) {
      sup.channel = core::ParseChannel(r.ColumnView(1));
      if (!sup.channel) return Corrupt(id, "suppression channel");
    }
    if (!r.ColumnIsNull(2)) {
      sup.category = core::ParseCategory(r.ColumnView(2));
      if (!sup.category) return Corrupt(id, "suppression category");
    }
    auto reason = core::ParseSuppressionReason(r.ColumnView(3));
    if (!reason) return Corrupt(id, "suppression reason");
    sup.reason = *reason;
    sup.detail = r.ColumnText(4);
    sup.create_time = FromMicros(r.ColumnInt(5));
    if (!r.ColumnIsNull(6)) sup.expire_time = FromMicros(r.ColumnInt(6));
    std::optional<core::Profile>& p = out[index.at(id)];
    if (p) p->suppressions.push_back(std::move(sup));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status WriteProfile(Db& db, const core::Profile& p) {
  auto upsert = db.Prepare(
      "INSERT INTO customers (customer_id, display_name, email, phone, locale, time_zone,"
      " preferred_channels, quiet_start_minute, quiet_end_minute, create_time_us,"
      " update_time_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
      " ON CONFLICT (customer_id) DO UPDATE SET display_name = ?2, email = ?3, phone = ?4,"
      " locale = ?5, time_zone = ?6, preferred_channels = ?7, quiet_start_minute = ?8,"
      " quiet_end_minute = ?9, create_time_us = ?10, update_time_us = ?11");
  if (!upsert.ok()) return upsert.status();
  std::vector<std::string> channels;
  for (core::Channel c : p.preferred_channels) channels.emplace_back(core::Name(c));
  std::optional<int64_t> quiet_start, quiet_end;
  if (p.quiet_hours) {
    quiet_start = p.quiet_hours->start_minute;
    quiet_end = p.quiet_hours->end_minute;
  }
  absl::Status status = (*upsert)
                            ->Bind(1, p.customer_id)
                            .Bind(2, p.display_name)
                            .Bind(3, p.email)
                            .Bind(4, p.phone)
                            .Bind(5, p.locale)
                            .Bind(6, p.time_zone)
                            .Bind(7, absl::StrJoin(channels, ","))
                            .Bind(8, quiet_start)
                            .Bind(9, quiet_end)
                            .Bind(10, ToMicros(p.create_time))
                            .Bind(11, ToMicros(p.update_time))
                            .Run();
  if (!status.ok()) return status;

  for (const char* sql : {"DELETE FROM consents WHERE customer_id = ?1",
                          "DELETE FROM suppressions WHERE customer_id = ?1"}) {
    auto del = db.Prepare(sql);
    if (!del.ok()) return del.status();
    status = (*del)->Bind(1, p.customer_id).Run();
    if (!status.ok()) return status;
  }
  int64_t position = 0;
  for (const core::Consent& c : p.consents) {
    auto insert = db.Prepare(
        "INSERT INTO consents (customer_id, category, channel, state, source, update_time_us,"
        " position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert.ok()) return insert.status();
    status = (*insert)
                 ->Bind(1, p.customer_id)
                 .Bind(7, position++)
                 .Bind(2, core::Name(c.category))
                 .Bind(3, core::Name(c.channel))
                 .Bind(4, core::Name(c.state))
                 .Bind(5, c.source)
                 .Bind(6, ToMicros(c.update_time))
                 .Run();
    if (!status.ok()) return status;
  }
  position = 0;
  for (const core::Suppression& s : p.suppressions) {
    auto insert = db.Prepare(
        "INSERT INTO suppressions (customer_id, position, channel, category, reason, detail,"
        " create_time_us, expire_time_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert.ok()) return insert.status();
    Statement& st = **insert;
    st.Bind(1, p.customer_id).Bind(2, position++);
    if (s.channel) {
      st.Bind(3, core::Name(*s.channel));
    } else {
      st.Bind(3, std::nullopt);
    }
    if (s.category) {
      st.Bind(4, core::Name(*s.category));
    } else {
      st.Bind(4, std::nullopt);
    }
    std::optional<int64_t> expire;
    if (s.expire_time) expire = ToMicros(*s.expire_time);
    status = st.Bind(5, core::Name(s.reason))
                 .Bind(6, s.detail)
                 .Bind(7, ToMicros(s.create_time))
                 .Bind(8, expire)
                 .Run();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status SuppressBouncedChannel(Db& db, std::string_view customer_id, core::Channel channel,
                                    std::string_view detail, core::Time at) {
  absl::StatusOr<std::optional<core::Profile>> profile = ReadProfile(db, customer_id);
  if (!profile.ok()) return profile.status();
  if (!*profile) return absl::OkStatus();
  if (!common::AddHardBounce(**profile, channel, detail, at)) return absl::OkStatus();
  return WriteProfile(db, **profile);
}

absl::StatusOr<std::optional<TopicPosition>> ReadTopicPosition(Db& db,
                                                               std::string_view customer_id) {
  auto query = db.Prepare(
      "SELECT topic_partition, topic_offset FROM profile_positions WHERE customer_id = ?1");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, customer_id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return TopicPosition{static_cast<int32_t>((*query)->ColumnInt(0)), (*query)->ColumnInt(1)};
}

absl::Status WriteTopicPosition(Db& db, std::string_view customer_id, const TopicPosition& at) {
  auto upsert = db.Prepare(
      "INSERT INTO profile_positions (customer_id, topic_partition, topic_offset)"
      " VALUES (?1, ?2, ?3) ON CONFLICT (customer_id) DO UPDATE SET"
      " topic_partition = excluded.topic_partition, topic_offset = excluded.topic_offset");
  if (!upsert.ok()) return upsert.status();
  return (*upsert)->Bind(1, customer_id).Bind(2, int64_t{at.partition}).Bind(3, at.offset).Run();
}

}  // namespace herald::store::sqlite
