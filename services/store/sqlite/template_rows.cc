#include "services/store/sqlite/template_rows.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"
#include "services/store/store.h"

namespace herald::store::sqlite {
namespace {

std::optional<std::string> NullableText(const Statement& s, int index) {
  if (s.ColumnIsNull(index)) return std::nullopt;
  return s.ColumnText(index);
}

}  // namespace

absl::StatusOr<std::optional<core::Template>> ReadTemplate(Db& db, std::string_view name,
                                                           int64_t version) {
  auto head = db.Prepare(
      "SELECT latest_version, create_time_us, COALESCE(active_version, latest_version)"
      " FROM templates WHERE name = ?1");
  if (!head.ok()) return head.status();
  absl::StatusOr<bool> found = (*head)->Bind(1, name).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  core::Template t;
  t.name = std::string(name);
  t.active_version = (*head)->ColumnInt(2);
  t.version = version == 0                               ? (*head)->ColumnInt(0)
              : version == TemplateStore::kActiveVersion ? t.active_version
                                                         : version;
  t.create_time = FromMicros((*head)->ColumnInt(1));
  head->reset();

  auto row = db.Prepare(
      "SELECT description, category, event_types, priority, default_locale,"
      " max_sms_segments, create_time_us FROM template_versions"
      " WHERE name = ?1 AND version = ?2");
  if (!row.ok()) return row.status();
  Statement& s = **row;
  found = s.Bind(1, name).Bind(2, t.version).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  auto category = core::ParseCategory(s.ColumnText(1));
  auto priority = core::ParsePriority(s.ColumnText(3));
  if (!category || !priority) {
    return absl::DataLossError(core::StrCat("template ", name, " version ", t.version,
                                            ": stored category or priority not understood"));
  }
  t.description = s.ColumnText(0);
  t.category = *category;
  t.event_types = absl::StrSplit(s.ColumnText(2), ',', absl::SkipEmpty());
  t.priority = *priority;
  t.default_locale = s.ColumnText(4);
  t.max_sms_segments = static_cast<int>(s.ColumnInt(5));
  t.update_time = FromMicros(s.ColumnInt(6));

  auto contents = db.Prepare(
      "SELECT locale, email_subject, email_text, email_html, sms_text FROM template_contents"
      " WHERE name = ?1 AND version = ?2 ORDER BY position");
  if (!contents.ok()) return contents.status();
  absl::Status status = (*contents)->Bind(1, name).Bind(2, t.version).ForEachRow([&](Statement& c) {
    core::LocalizedContent content;
    content.locale = c.ColumnText(0);
    if (!c.ColumnIsNull(1)) {
      content.email = core::EmailContent{c.ColumnText(1), c.ColumnText(2), c.ColumnText(3)};
    }
    if (std::optional<std::string> sms = NullableText(c, 4)) {
      content.sms = core::SmsContent{*sms};
    }
    t.contents.push_back(std::move(content));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return t;
}

absl::Status InsertTemplateVersion(Db& db, const core::Template& t) {
  absl::Status bumped = BumpCatalogVersion(db);
  if (!bumped.ok()) return bumped;
  auto head = db.Prepare(
      "INSERT INTO templates (name, latest_version, create_time_us) VALUES (?1, ?2, ?3)"
      " ON CONFLICT (name) DO UPDATE SET latest_version = ?2, active_version = NULL");
  if (!head.ok()) return head.status();
  absl::Status status =
      (*head)->Bind(1, t.name).Bind(2, t.version).Bind(3, ToMicros(t.create_time)).Run();
  if (!status.ok()) return status;

  auto version = db.Prepare(
      "INSERT INTO template_versions (name, version, description, category, event_types,"
      " priority, default_locale, max_sms_segments, create_time_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!version.ok()) return version.status();
  status = (*version)
               ->Bind(1, t.name)
               .Bind(2, t.version)
               .Bind(3, t.description)
               .Bind(4, core::Name(t.category))
               .Bind(5, absl::StrJoin(t.event_types, ","))
               .Bind(6, core::Name(t.priority))
               .Bind(7, t.default_locale)
               .Bind(8, int64_t{t.max_sms_segments})
               .Bind(9, ToMicros(t.update_time))
               .Run();
  if (!status.ok()) return status;

  int64_t position = 0;
  for (const core::LocalizedContent& c : t.contents) {
    auto insert = db.Prepare(
        "INSERT INTO template_contents (name, version, locale, position, email_subject,"
        " email_text, email_html, sms_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert.ok()) return insert.status();
    Statement& s = **insert;
    s.Bind(1, t.name).Bind(2, t.version).Bind(3, c.locale).Bind(4, position++);
    if (c.email) {
      s.Bind(5, c.email->subject).Bind(6, c.email->text_body).Bind(7, c.email->html_body);
    } else {
      s.Bind(5, std::nullopt).Bind(6, std::nullopt).Bind(7, std::nullopt);
    }
    if (c.sms) {
      s.Bind(8, c.sms->text);
    } else {
      s.Bind(8, std::nullopt);
    }
    status = s.Run();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SetActiveVersion(Db& db, std::string_view name, int64_t version) {
  absl::Status bumped = BumpCatalogVersion(db);
  if (!bumped.ok()) return bumped;
  auto update = db.Prepare(
      "UPDATE templates SET active_version = CASE WHEN ?2 = latest_version THEN NULL ELSE ?2 END"
      " WHERE name = ?1 AND EXISTS (SELECT 1 FROM template_versions v"
      " WHERE v.name = ?1 AND v.version = ?2) RETURNING 1");
  if (!update.ok()) return update.status();
  return (*update)->Bind(1, name).Bind(2, version).Step();
}

absl::StatusOr<std::vector<core::Template>> SelectTemplatesForEventType(
    Db& db, std::string_view event_type) {
  auto query = db.Prepare(
      "SELECT t.name FROM templates t JOIN template_versions v"
      " ON v.name = t.name AND v.version = COALESCE(t.active_version, t.latest_version)"
      " WHERE ',' || v.event_types || ',' LIKE '%,' || ?1 || ',%' ESCAPE '\\' ORDER BY t.name");
  if (!query.ok()) return query.status();
  // Event types are letters, digits, '_' and '.'; '_' is a LIKE wildcard, so escape it.
  std::string pattern;
  for (char c : event_type) {
    if (c == '_' || c == '%' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  std::vector<std::string> names;
  absl::Status status = (*query)->Bind(1, pattern).ForEachRow([&](Statement& r) {
    names.push_back(r.ColumnText(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  query->reset();
  std::vector<core::Template> out;
  for (const std::string& name : names) {
    auto tmpl = ReadTemplate(db, name, TemplateStore::kActiveVersion);
    if (!tmpl.ok()) return tmpl.status();
    if (*tmpl) out.push_back(std::move(**tmpl));
  }
  return out;
}

absl::Status BumpCatalogVersion(Db& db) {
  auto bump = db.Prepare("UPDATE catalog SET version = version + 1 WHERE id = 1");
  if (!bump.ok()) return bump.status();
  return (*bump)->Run();
}

absl::StatusOr<int64_t> ReadCatalogVersion(Db& db) {
  auto query = db.Prepare("SELECT version FROM catalog WHERE id = 1");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*query)->ColumnInt(0) : 0;
}

}  // namespace herald::store::sqlite
