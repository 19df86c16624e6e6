#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/template.h"
#include "services/store/sqlite/sqlite_db.h"

// Versioned templates (tables `templates`, `template_versions`, `template_contents`)
// and the catalog version that changes with them and with snippets (table `catalog`).
namespace herald::store::sqlite {

/// Version 0 means the latest, TemplateStore::kActiveVersion the active one.
absl::StatusOr<std::optional<core::Template>> ReadTemplate(Db& db, std::string_view name,
                                                           int64_t version);
/// Makes an existing version the active one; false when there is no such version.
absl::StatusOr<bool> SetActiveVersion(Db& db, std::string_view name, int64_t version);
/// Inserts a new version and makes it the latest and the active one.
absl::Status InsertTemplateVersion(Db& db, const core::Template& tmpl);
/// Active versions of the templates whose event types include `event_type`, in name
/// order.
absl::StatusOr<std::vector<core::Template>> SelectTemplatesForEventType(
    Db& db, std::string_view event_type);

/// Every template or snippet change calls this in its transaction.
absl::Status BumpCatalogVersion(Db& db);
absl::StatusOr<int64_t> ReadCatalogVersion(Db& db);

}  // namespace herald::store::sqlite
