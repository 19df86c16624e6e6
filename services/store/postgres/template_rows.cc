#include "services/store/postgres/template_rows.h"

#include "services/core/strings.h"
#include "services/store/postgres/rows.h"
#include "services/store/store.h"

namespace herald::store::postgres {
namespace {

core::Snippet SnippetFromRow(const Result& r, int row) {
  core::Snippet s;
  s.name = r.Text(row, 0);
  s.description = r.Text(row, 1);
  s.text = r.Text(row, 2);
  s.create_time = FromMicros(r.Int(row, 3));
  s.update_time = FromMicros(r.Int(row, 4));
  return s;
}

constexpr std::string_view kSnippetColumns =
    "SELECT name, description, text, create_time_us, update_time_us FROM snippets";

}  // namespace

absl::StatusOr<std::optional<core::Template>> ReadTemplate(Conn& conn, std::string_view name,
                                                           int64_t version, bool lock) {
  auto head = conn.Exec(lock ? "SELECT latest_version, create_time_us,"
                               " COALESCE(active_version, latest_version)"
                               " FROM templates WHERE name = $1 FOR UPDATE"
                             : "SELECT latest_version, create_time_us,"
                               " COALESCE(active_version, latest_version)"
                               " FROM templates WHERE name = $1",
                        Params().Add(name));
  if (!head.ok()) return head.status();
  if (head->rows() == 0) return std::nullopt;
  core::Template t;
  t.name = std::string(name);
  t.active_version = head->Int(0, 2);
  t.version = version == 0                               ? head->Int(0, 0)
              : version == TemplateStore::kActiveVersion ? t.active_version
                                                         : version;
  t.create_time = FromMicros(head->Int(0, 1));

  auto row = conn.Exec(
      "SELECT description, category, event_types, priority, default_locale,"
      " max_sms_segments, create_time_us FROM template_versions"
      " WHERE name = $1 AND version = $2",
      Params().Add(name).Add(t.version));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  auto category = core::ParseCategory(row->View(0, 1));
  auto priority = core::ParsePriority(row->View(0, 3));
  if (!category || !priority) {
    return absl::DataLossError(core::StrCat("template ", name, " version ", t.version,
                                            ": stored category or priority not understood"));
  }
  t.description = row->Text(0, 0);
  t.category = *category;
  t.event_types = ParseTextArray(row->View(0, 2));
  t.priority = *priority;
  t.default_locale = row->Text(0, 4);
  t.max_sms_segments = static_cast<int>(row->Int(0, 5));
  t.update_time = FromMicros(row->Int(0, 6));

  auto contents = conn.Exec(
      "SELECT locale, email_subject, email_text, email_html, sms_text FROM template_contents"
      " WHERE name = $1 AND version = $2 ORDER BY position",
      Params().Add(name).Add(t.version));
  if (!contents.ok()) return contents.status();
  for (int r = 0; r < contents->rows(); ++r) {
    core::LocalizedContent content;
    content.locale = contents->Text(r, 0);
    if (!contents->IsNull(r, 1)) {
      content.email =
          core::EmailContent{contents->Text(r, 1), contents->Text(r, 2), contents->Text(r, 3)};
    }
    if (!contents->IsNull(r, 4)) content.sms = core::SmsContent{contents->Text(r, 4)};
    t.contents.push_back(std::move(content));
  }
  return t;
}

absl::Status InsertTemplateVersion(Conn& conn, const core::Template& t) {
  if (absl::Status bumped = BumpCatalogVersion(conn); !bumped.ok()) return bumped;
  if (t.version == 1) {
    auto head = conn.Exec(
        "INSERT INTO templates (name, latest_version, create_time_us) VALUES ($1, 1, $2)"
        " ON CONFLICT (name) DO NOTHING",
        Params().Add(t.name).Add(ToMicros(t.create_time)));
    if (!head.ok()) return head.status();
    if (head->affected() == 0) {
      return RetryTransaction("template " + t.name + " was created meanwhile");
    }
  } else {
    auto head =
        conn.Exec("UPDATE templates SET latest_version = $2, active_version = NULL WHERE name = $1",
                  Params().Add(t.name).Add(t.version));
    if (!head.ok()) return head.status();
  }
  auto version = conn.Exec(
      "INSERT INTO template_versions (name, version, description, category, event_types,"
      " priority, default_locale, max_sms_segments, create_time_us)"
      " VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9)",
      Params()
          .Add(t.name)
          .Add(t.version)
          .Add(t.description)
          .Add(core::Name(t.category))
          .AddArray(t.event_types)
          .Add(core::Name(t.priority))
          .Add(t.default_locale)
          .Add(t.max_sms_segments)
          .Add(ToMicros(t.update_time)));
  if (!version.ok()) return version.status();

  int position = 0;
  for (const core::LocalizedContent& c : t.contents) {
    Params params;
    params.Add(t.name).Add(t.version).Add(c.locale).Add(position++);
    if (c.email) {
      params.Add(c.email->subject).Add(c.email->text_body).Add(c.email->html_body);
    } else {
      params.Add(std::nullopt).Add(std::nullopt).Add(std::nullopt);
    }
    if (c.sms) {
      params.Add(c.sms->text);
    } else {
      params.Add(std::nullopt);
    }
    auto inserted = conn.Exec(
        "INSERT INTO template_contents (name, version, locale, position, email_subject,"
        " email_text, email_html, sms_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params);
    if (!inserted.ok()) return inserted.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SetActiveVersion(Conn& conn, std::string_view name, int64_t version) {
  if (absl::Status bumped = BumpCatalogVersion(conn); !bumped.ok()) return bumped;
  auto update = conn.Exec(
      "UPDATE templates SET active_version = CASE WHEN $2 = latest_version THEN NULL ELSE $2 END"
      " WHERE name = $1 AND EXISTS (SELECT 1 FROM template_versions v"
      " WHERE v.name = $1 AND v.version = $2)",
      Params().Add(name).Add(version));
  if (!update.ok()) return update.status();
  return update->affected() > 0;
}

absl::StatusOr<std::vector<core::Template>> SelectTemplatesForEventType(
    Conn& conn, std::string_view event_type) {
  auto names = conn.Exec(
      "SELECT t.name FROM templates t JOIN template_versions v"
      " ON v.name = t.name AND v.version = COALESCE(t.active_version, t.latest_version)"
      " WHERE $1 = ANY(v.event_types) ORDER BY t.name",
      Params().Add(event_type));
  if (!names.ok()) return names.status();
  std::vector<core::Template> out;
  for (int r = 0; r < names->rows(); ++r) {
    auto tmpl = ReadTemplate(conn, names->View(r, 0), TemplateStore::kActiveVersion);
    if (!tmpl.ok()) return tmpl.status();
    if (*tmpl) out.push_back(std::move(**tmpl));
  }
  return out;
}

absl::StatusOr<std::optional<core::Snippet>> ReadSnippet(Conn& conn, std::string_view name,
                                                         bool lock) {
  auto row = conn.Exec(core::StrCat(kSnippetColumns, " WHERE name = $1", lock ? " FOR UPDATE" : ""),
                       Params().Add(name));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  return SnippetFromRow(*row, 0);
}

absl::StatusOr<std::vector<core::Snippet>> SelectSnippets(Conn& conn) {
  auto rows = conn.Exec(core::StrCat(kSnippetColumns, " ORDER BY name"));
  if (!rows.ok()) return rows.status();
  std::vector<core::Snippet> out;
  for (int r = 0; r < rows->rows(); ++r) out.push_back(SnippetFromRow(*rows, r));
  return out;
}

absl::Status WriteSnippet(Conn& conn, const core::Snippet& snippet) {
  auto upsert = conn.Exec(
      "INSERT INTO snippets (name, description, text, create_time_us, update_time_us)"
      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET"
      " description = excluded.description, text = excluded.text,"
      " update_time_us = excluded.update_time_us",
      Params()
          .Add(snippet.name)
          .Add(snippet.description)
          .Add(snippet.text)
          .Add(ToMicros(snippet.create_time))
          .Add(ToMicros(snippet.update_time)));
  return upsert.status();
}

absl::Status BumpCatalogVersion(Conn& conn) {
  return conn.Exec("UPDATE catalog SET version = version + 1 WHERE id = 1").status();
}

absl::StatusOr<int64_t> ReadCatalogVersion(Conn& conn) {
  auto row = conn.Exec("SELECT version FROM catalog WHERE id = 1");
  if (!row.ok()) return row.status();
  return row->rows() > 0 ? row->Int(0, 0) : 0;
}

}  // namespace herald::store::postgres
