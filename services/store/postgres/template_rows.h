#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/template.h"
#include "services/store/postgres/pg_conn.h"

// Versioned templates (tables `templates`, `template_versions`, `template_contents`),
// snippets, and the catalog version that changes with any of them.
namespace herald::store::postgres {

/// The given version (0: the latest; TemplateStore::kActiveVersion: the active one), or
/// nullopt when the template or version does not exist. `lock`: FOR UPDATE on the
/// template's head row, for a change in the caller's transaction.
absl::StatusOr<std::optional<core::Template>> ReadTemplate(Conn& conn, std::string_view name,
                                                           int64_t version, bool lock = false);
/// Inserts t.version as the latest, active version. ABORTED when the template was
/// created meanwhile by someone else (the transaction runs again).
absl::Status InsertTemplateVersion(Conn& conn, const core::Template& t);
/// False when the template or version does not exist.
absl::StatusOr<bool> SetActiveVersion(Conn& conn, std::string_view name, int64_t version);
absl::StatusOr<std::vector<core::Template>> SelectTemplatesForEventType(
    Conn& conn, std::string_view event_type);

absl::StatusOr<std::optional<core::Snippet>> ReadSnippet(Conn& conn, std::string_view name,
                                                         bool lock = false);
absl::StatusOr<std::vector<core::Snippet>> SelectSnippets(Conn& conn);
/// The caller bumps the catalog version first (its row lock orders catalog changes).
absl::Status WriteSnippet(Conn& conn, const core::Snippet& snippet);

absl::Status BumpCatalogVersion(Conn& conn);
absl::StatusOr<int64_t> ReadCatalogVersion(Conn& conn);

}  // namespace herald::store::postgres
