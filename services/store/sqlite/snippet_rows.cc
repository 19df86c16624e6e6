#include "services/store/sqlite/snippet_rows.h"

#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"
#include "services/store/sqlite/template_rows.h"

namespace herald::store::sqlite {
namespace {

core::Snippet SnippetFromRow(const Statement& r) {
  core::Snippet s;
  s.name = r.ColumnText(0);
  s.description = r.ColumnText(1);
  s.text = r.ColumnText(2);
  s.create_time = FromMicros(r.ColumnInt(3));
  s.update_time = FromMicros(r.ColumnInt(4));
  return s;
}

constexpr std::string_view kSnippetColumns =
    "SELECT name, description, text, create_time_us, update_time_us FROM snippets";

}  // namespace

absl::StatusOr<std::optional<core::Snippet>> ReadSnippet(Db& db, std::string_view name) {
  auto query = db.Prepare(core::StrCat(kSnippetColumns, " WHERE name = ?1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, name).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return SnippetFromRow(**query);
}

absl::StatusOr<std::vector<core::Snippet>> SelectSnippets(Db& db) {
  auto query = db.Prepare(core::StrCat(kSnippetColumns, " ORDER BY name"));
  if (!query.ok()) return query.status();
  std::vector<core::Snippet> out;
  absl::Status status = (*query)->ForEachRow([&](Statement& r) {
    out.push_back(SnippetFromRow(r));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status WriteSnippet(Db& db, const core::Snippet& snippet) {
  absl::Status bumped = BumpCatalogVersion(db);
  if (!bumped.ok()) return bumped;
  auto upsert = db.Prepare(
      "INSERT INTO snippets (name, description, text, create_time_us, update_time_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET"
      " description = excluded.description, text = excluded.text,"
      " update_time_us = excluded.update_time_us");
  if (!upsert.ok()) return upsert.status();
  return (*upsert)
      ->Bind(1, snippet.name)
      .Bind(2, snippet.description)
      .Bind(3, snippet.text)
      .Bind(4, ToMicros(snippet.create_time))
      .Bind(5, ToMicros(snippet.update_time))
      .Run();
}

}  // namespace herald::store::sqlite
