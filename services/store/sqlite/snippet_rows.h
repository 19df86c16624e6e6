#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/template.h"
#include "services/store/sqlite/sqlite_db.h"

// Shared snippets (table `snippets`): the partials templates include.
namespace herald::store::sqlite {

absl::StatusOr<std::optional<core::Snippet>> ReadSnippet(Db& db, std::string_view name);
/// In name order.
absl::StatusOr<std::vector<core::Snippet>> SelectSnippets(Db& db);
/// Inserts or replaces; the catalog version changes with it.
absl::Status WriteSnippet(Db& db, const core::Snippet& snippet);

}  // namespace herald::store::sqlite
