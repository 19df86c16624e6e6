#include "services/store/sqlite/sqlite_store.h"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <utility>

#include "services/core/strings.h"
#include "services/store/common/catalog_rules.h"
#include "services/store/sqlite/profile_rows.h"
#include "services/store/sqlite/rows.h"
#include "services/store/sqlite/snippet_rows.h"
#include "services/store/sqlite/template_rows.h"

namespace herald::store::sqlite {
namespace {

absl::Status NotFound(std::string_view what, std::string_view key) {
  return absl::NotFoundError(core::StrCat(what, " \"", key, "\" not found"));
}

// Fills a page from keys fetched with limit + 1: the extra key only says there is more.
template <typename T, typename Load>
absl::StatusOr<Page<T>> MakePage(std::vector<std::string> keys, int limit, Load&& load) {
  Page<T> page;
  const bool more = static_cast<int>(keys.size()) > limit;
  if (more) keys.resize(static_cast<size_t>(limit));
  for (const std::string& key : keys) {
    absl::StatusOr<std::optional<T>> item = load(key);
    if (!item.ok()) return item.status();
    if (*item) page.items.push_back(std::move(**item));
  }
  if (more && !keys.empty()) page.next_after = keys.back();
  return page;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const Options& options) {
  auto connections = Connections::Open(options);
  if (!connections.ok()) return connections.status();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*connections)));
}

// --- profiles

absl::StatusOr<core::Profile> SqliteStore::GetProfile(std::string_view customer_id) {
  absl::StatusOr<std::optional<core::Profile>> profile;
  absl::Status status = Read([&](Db& db) {
    profile = ReadProfile(db, customer_id);
    return profile.status();
  });
  if (!status.ok()) return status;
  if (!*profile) return NotFound("profile", customer_id);
  return std::move(**profile);
}

absl::StatusOr<Page<core::Profile>> SqliteStore::ListProfiles(std::string_view after, int limit) {
  absl::StatusOr<Page<core::Profile>> page;
  absl::Status status = Read([&](Db& db) {
    auto ids = KeysAfter(
        db, "SELECT customer_id FROM customers WHERE customer_id > ?1 ORDER BY 1 LIMIT ?2", after,
        limit + 1);
    if (!ids.ok()) return ids.status();
    page = MakePage<core::Profile>(std::move(*ids), limit,
                                   [&](const std::string& id) { return ReadProfile(db, id); });
    return page.status();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<std::vector<bool>> SqliteStore::HasProfiles(
    const std::vector<std::string>& customer_ids) {
  absl::StatusOr<std::vector<bool>> found;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    auto query = db.Prepare(
        "SELECT customer_id FROM customers WHERE customer_id IN (SELECT value FROM json_each(?1))");
    if (!query.ok()) return query.status();
    std::unordered_set<std::string> known;
    absl::Status listed = (*query)->Bind(1, JsonArray(customer_ids)).ForEachRow([&](Statement& r) {
      known.insert(r.ColumnText(0));
      return absl::OkStatus();
    });
    if (!listed.ok()) return listed;
    found = std::vector<bool>();
    found->reserve(customer_ids.size());
    for (const std::string& id : customer_ids) found->push_back(known.contains(id));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<std::optional<core::Profile>>> SqliteStore::GetProfiles(
    const std::vector<std::string>& customer_ids) {
  absl::StatusOr<std::vector<std::optional<core::Profile>>> profiles;
  absl::Status status = Read([&](Db& db) {
    profiles = ReadProfiles(db, customer_ids);
    return profiles.status();
  });
  if (!status.ok()) return status;
  return profiles;
}

absl::StatusOr<core::Profile> SqliteStore::MutateProfile(std::string_view customer_id,
                                                         ProfileMutation mutate) {
  core::Profile stored;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    auto current = ReadProfile(tx.db(), customer_id);
    if (!current.ok()) return current.status();
    absl::StatusOr<core::Profile> next = mutate(*current ? &**current : nullptr);
    if (!next.ok()) return next.status();
    if (next->customer_id != customer_id) {
      return absl::InvalidArgumentError("a profile mutation may not change the customer id");
    }
    absl::Status written = WriteProfile(tx.db(), *next);
    if (written.ok()) stored = std::move(*next);
    return written;
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<bool> SqliteStore::MutateProfileFromTopic(std::string_view customer_id,
                                                         const TopicPosition& at,
                                                         ProfileMutation mutate) {
  bool applied = false;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    applied = false;
    auto last = ReadTopicPosition(tx.db(), customer_id);
    if (!last.ok()) return last.status();
    if (common::AppliedAlready(*last, at)) return absl::OkStatus();
    auto current = ReadProfile(tx.db(), customer_id);
    if (!current.ok()) return current.status();
    absl::StatusOr<core::Profile> next = mutate(*current ? &**current : nullptr);
    if (!next.ok()) return next.status();
    if (next->customer_id != customer_id) {
      return absl::InvalidArgumentError("a profile mutation may not change the customer id");
    }
    if (absl::Status s = WriteProfile(tx.db(), *next); !s.ok()) return s;
    applied = true;
    return WriteTopicPosition(tx.db(), customer_id, at);
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<bool> SqliteStore::DeleteProfileFromTopic(std::string_view customer_id,
                                                         const TopicPosition& at) {
  bool applied = false;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    applied = false;
    auto last = ReadTopicPosition(tx.db(), customer_id);
    if (!last.ok()) return last.status();
    if (common::AppliedAlready(*last, at)) return absl::OkStatus();
    auto del = tx.db().Prepare("DELETE FROM customers WHERE customer_id = ?1");
    if (!del.ok()) return del.status();
    if (absl::Status s = (*del)->Bind(1, customer_id).Run(); !s.ok()) return s;
    applied = true;
    return WriteTopicPosition(tx.db(), customer_id, at);
  });
  if (!status.ok()) return status;
  return applied;
}

absl::Status SqliteStore::DeleteProfile(std::string_view customer_id) {
  return DeleteRow("DELETE FROM customers WHERE customer_id = ?1 RETURNING 1", "profile",
                   customer_id);
}

// --- templates and snippets

absl::StatusOr<core::Template> SqliteStore::GetTemplate(std::string_view name, int64_t version) {
  absl::StatusOr<std::optional<core::Template>> tmpl;
  absl::Status status = Read([&](Db& db) {
    tmpl = ReadTemplate(db, name, version);
    return tmpl.status();
  });
  if (!status.ok()) return status;
  if (!*tmpl) {
    return version <= 0 ? NotFound("template", name)
                        : absl::NotFoundError(
                              core::StrCat("template \"", name, "\" has no version ", version));
  }
  return std::move(**tmpl);
}

absl::StatusOr<Page<core::Template>> SqliteStore::ListTemplates(std::string_view after, int limit) {
  absl::StatusOr<Page<core::Template>> page;
  absl::Status status = Read([&](Db& db) {
    auto names = KeysAfter(db, "SELECT name FROM templates WHERE name > ?1 ORDER BY 1 LIMIT ?2",
                           after, limit + 1);
    if (!names.ok()) return names.status();
    page = MakePage<core::Template>(std::move(*names), limit, [&](const std::string& name) {
      return ReadTemplate(db, name, 0);
    });
    return page.status();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<core::Template> SqliteStore::AddTemplateVersion(std::string_view name,
                                                               TemplateMutation mutate) {
  core::Template stored;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    auto latest = ReadTemplate(tx.db(), name, 0);
    if (!latest.ok()) return latest.status();
    const core::Template* previous = *latest ? &**latest : nullptr;
    absl::StatusOr<std::optional<core::Template>> next =
        common::NextTemplateVersion(name, previous, mutate);
    if (!next.ok()) return next.status();
    if (!*next) {
      stored = *previous;
      return absl::OkStatus();
    }
    absl::Status written = InsertTemplateVersion(tx.db(), **next);
    if (written.ok()) stored = std::move(**next);
    return written;
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status SqliteStore::DeleteTemplate(std::string_view name) {
  return DeleteRow("DELETE FROM templates WHERE name = ?1 RETURNING 1", "template", name);
}

absl::StatusOr<core::Template> SqliteStore::ActivateTemplateVersion(std::string_view name,
                                                                    int64_t version) {
  core::Template active;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<bool> set = SetActiveVersion(tx.db(), name, version);
    if (!set.ok()) return set.status();
    if (!*set) {
      return absl::NotFoundError(core::StrCat("template \"", name, "\" has no version ", version));
    }
    auto read = ReadTemplate(tx.db(), name, version);
    if (!read.ok()) return read.status();
    active = std::move(**read);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return active;
}

absl::StatusOr<std::vector<core::Template>> SqliteStore::ListTemplatesForEventType(
    std::string_view event_type) {
  absl::StatusOr<std::vector<core::Template>> templates;
  absl::Status status = Read([&](Db& db) {
    templates = SelectTemplatesForEventType(db, event_type);
    return templates.status();
  });
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<core::Snippet> SqliteStore::GetSnippet(std::string_view name) {
  absl::StatusOr<std::optional<core::Snippet>> snippet;
  absl::Status status = Read([&](Db& db) {
    snippet = ReadSnippet(db, name);
    return snippet.status();
  });
  if (!status.ok()) return status;
  if (!*snippet) return NotFound("snippet", name);
  return std::move(**snippet);
}

absl::StatusOr<std::vector<core::Snippet>> SqliteStore::ListSnippets() {
  absl::StatusOr<std::vector<core::Snippet>> snippets;
  absl::Status status = Read([&](Db& db) {
    snippets = SelectSnippets(db);
    return snippets.status();
  });
  if (!status.ok()) return status;
  return snippets;
}

absl::StatusOr<core::Snippet> SqliteStore::PutSnippet(const core::Snippet& snippet,
                                                      bool must_exist) {
  core::Snippet stored = snippet;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<std::optional<core::Snippet>> existing = ReadSnippet(tx.db(), snippet.name);
    if (!existing.ok()) return existing.status();
    absl::StatusOr<core::Snippet> put =
        common::SnippetToPut(snippet, *existing ? &**existing : nullptr, must_exist);
    if (!put.ok()) return put.status();
    stored = *std::move(put);
    return WriteSnippet(tx.db(), stored);
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status SqliteStore::DeleteSnippet(std::string_view name) {
  return DeleteRow("DELETE FROM snippets WHERE name = ?1 RETURNING 1", "snippet", name);
}

absl::StatusOr<int64_t> SqliteStore::CatalogVersion() {
  absl::StatusOr<int64_t> version;
  absl::Status status = Read([&](Db& db) {
    version = ReadCatalogVersion(db);
    return version.status();
  });
  if (!status.ok()) return status;
  return version;
}

absl::Status SqliteStore::DeleteRow(std::string_view sql, std::string_view what,
                                    std::string_view key) {
  // Dependent rows go with it: the schema's foreign keys cascade.
  return Write([&](WriteTx& tx) -> absl::Status {
    auto del = tx.db().Prepare(sql);
    if (!del.ok()) return del.status();
    absl::StatusOr<bool> deleted = (*del)->Bind(1, key).Step();
    if (!deleted.ok()) return deleted.status();
    del->reset();
    if (!*deleted) return NotFound(what, key);
    return what == "profile" ? absl::OkStatus() : BumpCatalogVersion(tx.db());
  });
}

}  // namespace herald::store::sqlite
