#include "services/store/postgres/postgres_store.h"

#include <utility>

#include "services/core/strings.h"
#include "services/store/common/catalog_rules.h"
#include "services/store/postgres/async_runner.h"
#include "services/store/postgres/change_log.h"
#include "services/store/postgres/migrations.h"
#include "services/store/postgres/profile_rows.h"
#include "services/store/postgres/rows.h"
#include "services/store/postgres/template_rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

absl::Status NotFound(std::string_view what, std::string_view key) {
  return absl::NotFoundError(core::StrCat(what, " \"", key, "\" not found"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const Options& options) {
  if (options.dsn.empty()) return absl::InvalidArgumentError("postgres: dsn is empty");
  auto pool =
      Pool::Open({.conn = {.dsn = options.dsn, .statement_timeout = options.statement_timeout},
                  .size = options.pool_size});
  if (!pool.ok()) return pool.status();
  {
    auto conn = (*pool)->Acquire();
    if (!conn.ok()) return conn.status();
    if (absl::Status s = ApplyMigrations(**conn, Migrations()); !s.ok()) return s;
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(options, std::move(*pool)));
}

PostgresStore::PostgresStore(Options options, std::unique_ptr<Pool> pool)
    : options_(std::move(options)),
      pool_(std::move(pool)),
      intake_writes_(std::make_unique<AsyncRunner>(1, "pg-intake")),
      dispatch_writes_(std::make_unique<AsyncRunner>(1, "pg-dispatch")) {}

PostgresStore::~PostgresStore() {
  intake_writes_.reset();
  dispatch_writes_.reset();
}

absl::Status PostgresStore::Write(const std::function<absl::Status(WriteTx&)>& fn) {
  return pool_->Tx(Pool::Mode::kWrite, [&](Conn& conn) -> absl::Status {
    WriteTx tx(conn);
    if (absl::Status s = fn(tx); !s.ok()) return s;
    if (absl::Status s = MaybePrune(conn); !s.ok()) return s;
    return AppendChangeBatch(conn, tx.changes());
  });
}

absl::Status PostgresStore::MaybePrune(Conn& conn) {
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  int64_t due = next_prune_.load();
  if (now < due || !next_prune_.compare_exchange_strong(
                       due, now + std::chrono::nanoseconds(options_.prune_interval).count())) {
    return absl::OkStatus();  // not yet, or another write of ours does it
  }
  std::optional<int64_t> published;
  if (options_.status_outbox) {
    absl::StatusOr<int64_t> cursor = StatusCursor(conn);
    if (!cursor.ok()) return cursor.status();
    published = *cursor;
  }
  return DeleteOldChanges(conn, published,
                          std::chrono::system_clock::now() - options_.change_retention);
}

absl::Status PostgresStore::Read(const std::function<absl::Status(Conn&)>& fn, bool snapshot) {
  if (snapshot) return pool_->Tx(Pool::Mode::kSnapshot, fn);
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return fn(**conn);
}

// --- profiles

absl::StatusOr<core::Profile> PostgresStore::GetProfile(std::string_view customer_id) {
  absl::StatusOr<std::optional<VersionedProfile>> profile;
  absl::Status status = Read([&](Conn& conn) {
    profile = ReadProfile(conn, customer_id, /*lock=*/false);
    return profile.status();
  });
  if (!status.ok()) return status;
  if (!*profile) return NotFound("profile", customer_id);
  return std::move((*profile)->profile);
}

absl::StatusOr<Page<core::Profile>> PostgresStore::ListProfiles(std::string_view after, int limit) {
  Page<core::Profile> page;
  absl::Status status = Read([&](Conn& conn) -> absl::Status {
    auto rows = conn.Exec(
        "SELECT customer_id, profile FROM customers WHERE customer_id > $1"
        " ORDER BY customer_id LIMIT $2",
        Params().Add(after).Add(limit + 1));
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->rows() && r < limit; ++r) {
      auto profile = record::DecodeProfile(rows->Bytes(r, 1), rows->View(r, 0));
      if (!profile.ok()) return profile.status();
      page.items.push_back(*std::move(profile));
    }
    if (rows->rows() > limit && limit > 0) page.next_after = page.items.back().customer_id;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<std::vector<bool>> PostgresStore::HasProfiles(
    const std::vector<std::string>& customer_ids) {
  std::vector<bool> found;
  absl::Status status = Read([&](Conn& conn) -> absl::Status {
    auto rows = conn.Exec(
        "SELECT k.id IN (SELECT customer_id FROM customers WHERE customer_id = ANY($1::text[]))"
        " FROM unnest($1::text[]) WITH ORDINALITY AS k(id, n) ORDER BY k.n",
        Params().AddArray(customer_ids));
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->rows(); ++r) found.push_back(rows->Bool(r, 0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<std::optional<core::Profile>>> PostgresStore::GetProfiles(
    const std::vector<std::string>& customer_ids) {
  absl::StatusOr<std::vector<std::optional<core::Profile>>> profiles;
  absl::Status status = Read([&](Conn& conn) {
    profiles = ReadProfiles(conn, customer_ids);
    return profiles.status();
  });
  if (!status.ok()) return status;
  return profiles;
}

absl::StatusOr<core::Profile> PostgresStore::MutateProfile(std::string_view customer_id,
                                                           ProfileMutation mutate) {
  core::Profile stored;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    auto current = ReadProfile(tx.conn(), customer_id, /*lock=*/true);
    if (!current.ok()) return current.status();
    absl::StatusOr<core::Profile> next = mutate(*current ? &(*current)->profile : nullptr);
    if (!next.ok()) return next.status();
    if (next->customer_id != customer_id) {
      return absl::InvalidArgumentError("a profile mutation may not change the customer id");
    }
    absl::Status written = WriteProfile(tx.conn(), *next, *current ? (*current)->version : 0);
    if (written.ok()) stored = std::move(*next);
    return written;
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<bool> PostgresStore::MutateProfileFromTopic(std::string_view customer_id,
                                                           const TopicPosition& at,
                                                           ProfileMutation mutate) {
  bool applied = false;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    applied = false;
    auto last = LockTopicPosition(tx.conn(), customer_id);
    if (!last.ok()) return last.status();
    if (common::AppliedAlready(*last, at)) return absl::OkStatus();
    auto current = ReadProfile(tx.conn(), customer_id, /*lock=*/true);
    if (!current.ok()) return current.status();
    absl::StatusOr<core::Profile> next = mutate(*current ? &(*current)->profile : nullptr);
    if (!next.ok()) return next.status();
    if (next->customer_id != customer_id) {
      return absl::InvalidArgumentError("a profile mutation may not change the customer id");
    }
    absl::Status written = WriteProfile(tx.conn(), *next, *current ? (*current)->version : 0);
    if (!written.ok()) return written;
    applied = true;
    return WriteTopicPosition(tx.conn(), customer_id, at, /*first=*/!*last);
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<bool> PostgresStore::DeleteProfileFromTopic(std::string_view customer_id,
                                                           const TopicPosition& at) {
  bool applied = false;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    applied = false;
    auto last = LockTopicPosition(tx.conn(), customer_id);
    if (!last.ok()) return last.status();
    if (common::AppliedAlready(*last, at)) return absl::OkStatus();
    auto deleted =
        tx.conn().Exec("DELETE FROM customers WHERE customer_id = $1", Params().Add(customer_id));
    if (!deleted.ok()) return deleted.status();
    applied = true;
    return WriteTopicPosition(tx.conn(), customer_id, at, /*first=*/!*last);
  });
  if (!status.ok()) return status;
  return applied;
}

absl::Status PostgresStore::DeleteProfile(std::string_view customer_id) {
  return Write([&](WriteTx& tx) -> absl::Status {
    auto deleted =
        tx.conn().Exec("DELETE FROM customers WHERE customer_id = $1", Params().Add(customer_id));
    if (!deleted.ok()) return deleted.status();
    return deleted->affected() > 0 ? absl::OkStatus() : NotFound("profile", customer_id);
  });
}

// --- templates and snippets

absl::StatusOr<core::Template> PostgresStore::GetTemplate(std::string_view name, int64_t version) {
  absl::StatusOr<std::optional<core::Template>> tmpl;
  absl::Status status = Read(
      [&](Conn& conn) {
        tmpl = ReadTemplate(conn, name, version);
        return tmpl.status();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  if (!*tmpl) {
    return version <= 0 ? NotFound("template", name)
                        : absl::NotFoundError(
                              core::StrCat("template \"", name, "\" has no version ", version));
  }
  return std::move(**tmpl);
}

absl::StatusOr<Page<core::Template>> PostgresStore::ListTemplates(std::string_view after,
                                                                  int limit) {
  Page<core::Template> page;
  absl::Status status = Read(
      [&](Conn& conn) -> absl::Status {
        page = {};
        auto names = conn.Exec("SELECT name FROM templates WHERE name > $1 ORDER BY name LIMIT $2",
                               Params().Add(after).Add(limit + 1));
        if (!names.ok()) return names.status();
        for (int r = 0; r < names->rows() && r < limit; ++r) {
          auto tmpl = ReadTemplate(conn, names->View(r, 0), 0);
          if (!tmpl.ok()) return tmpl.status();
          if (*tmpl) page.items.push_back(std::move(**tmpl));
        }
        if (names->rows() > limit && limit > 0) page.next_after = names->Text(limit - 1, 0);
        return absl::OkStatus();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<core::Template> PostgresStore::AddTemplateVersion(std::string_view name,
                                                                 TemplateMutation mutate) {
  core::Template stored;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    auto latest = ReadTemplate(tx.conn(), name, 0, /*lock=*/true);
    if (!latest.ok()) return latest.status();
    const core::Template* previous = *latest ? &**latest : nullptr;
    absl::StatusOr<std::optional<core::Template>> next =
        common::NextTemplateVersion(name, previous, mutate);
    if (!next.ok()) return next.status();
    if (!*next) {
      stored = *previous;
      return absl::OkStatus();
    }
    absl::Status written = InsertTemplateVersion(tx.conn(), **next);
    if (written.ok()) stored = std::move(**next);
    return written;
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status PostgresStore::DeleteTemplate(std::string_view name) {
  return Write([&](WriteTx& tx) -> absl::Status {
    auto deleted = tx.conn().Exec("DELETE FROM templates WHERE name = $1", Params().Add(name));
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected() == 0) return NotFound("template", name);
    return BumpCatalogVersion(tx.conn());
  });
}

absl::StatusOr<core::Template> PostgresStore::ActivateTemplateVersion(std::string_view name,
                                                                      int64_t version) {
  core::Template active;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<bool> set = SetActiveVersion(tx.conn(), name, version);
    if (!set.ok()) return set.status();
    if (!*set) {
      return absl::NotFoundError(core::StrCat("template \"", name, "\" has no version ", version));
    }
    auto read = ReadTemplate(tx.conn(), name, version);
    if (!read.ok()) return read.status();
    active = std::move(**read);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return active;
}

absl::StatusOr<std::vector<core::Template>> PostgresStore::ListTemplatesForEventType(
    std::string_view event_type) {
  absl::StatusOr<std::vector<core::Template>> templates;
  absl::Status status = Read(
      [&](Conn& conn) {
        templates = SelectTemplatesForEventType(conn, event_type);
        return templates.status();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<core::Snippet> PostgresStore::GetSnippet(std::string_view name) {
  absl::StatusOr<std::optional<core::Snippet>> snippet;
  absl::Status status = Read([&](Conn& conn) {
    snippet = ReadSnippet(conn, name);
    return snippet.status();
  });
  if (!status.ok()) return status;
  if (!*snippet) return NotFound("snippet", name);
  return std::move(**snippet);
}

absl::StatusOr<std::vector<core::Snippet>> PostgresStore::ListSnippets() {
  absl::StatusOr<std::vector<core::Snippet>> snippets;
  absl::Status status = Read([&](Conn& conn) {
    snippets = SelectSnippets(conn);
    return snippets.status();
  });
  if (!status.ok()) return status;
  return snippets;
}

absl::StatusOr<core::Snippet> PostgresStore::PutSnippet(const core::Snippet& snippet,
                                                        bool must_exist) {
  core::Snippet stored;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    stored = snippet;
    // First: the catalog's row lock orders this after any other catalog change, so what
    // is read next is current.
    if (absl::Status s = BumpCatalogVersion(tx.conn()); !s.ok()) return s;
    auto existing = ReadSnippet(tx.conn(), snippet.name, /*lock=*/true);
    if (!existing.ok()) return existing.status();
    absl::StatusOr<core::Snippet> put =
        common::SnippetToPut(snippet, *existing ? &**existing : nullptr, must_exist);
    if (!put.ok()) return put.status();
    stored = *std::move(put);
    return WriteSnippet(tx.conn(), stored);
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status PostgresStore::DeleteSnippet(std::string_view name) {
  return Write([&](WriteTx& tx) -> absl::Status {
    auto deleted = tx.conn().Exec("DELETE FROM snippets WHERE name = $1", Params().Add(name));
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected() == 0) return NotFound("snippet", name);
    return BumpCatalogVersion(tx.conn());
  });
}

absl::StatusOr<int64_t> PostgresStore::CatalogVersion() {
  absl::StatusOr<int64_t> version;
  absl::Status status = Read([&](Conn& conn) {
    version = ReadCatalogVersion(conn);
    return version.status();
  });
  if (!status.ok()) return status;
  return version;
}

}  // namespace herald::store::postgres
