#pragma once

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/core/profile.h"
#include "services/core/template.h"
#include "services/store/store.h"

// What every store decides the same way about templates, snippets and profiles before
// it writes them, whatever the database.
namespace herald::store::common {

/// The next version of a template from a mutation's result (`latest`: the stored latest
/// version, null for a new template): numbered after the latest, active, keeping the
/// template's create time. nullopt: the mutation keeps the latest as it is (returned by
/// the caller). INVALID_ARGUMENT when it renames the template, or keeps a version a new
/// template does not have.
absl::StatusOr<std::optional<core::Template>> NextTemplateVersion(
    std::string_view name, const core::Template* latest,
    const TemplateStore::TemplateMutation& mutate);

/// The snippet to store for PutSnippet given what is stored (`existing`: null when
/// none): NOT_FOUND or ALREADY_EXISTS as `must_exist` says; its create time kept, and
/// its update time kept when its text is unchanged.
absl::StatusOr<core::Snippet> SnippetToPut(const core::Snippet& snippet,
                                           const core::Snippet* existing, bool must_exist);

/// Whether a change from the profiles topic at `at` was applied already, given the
/// position of the last one applied for the customer (nullopt: none). Another partition
/// (the topic was repartitioned) cannot be compared: it is applied.
bool AppliedAlready(const std::optional<TopicPosition>& last, const TopicPosition& at);

/// Adds a hard-bounce suppression of `channel` to the profile; false when it has one
/// already (once is enough).
bool AddHardBounce(core::Profile& profile, core::Channel channel, std::string_view detail,
                   core::Time at);

}  // namespace herald::store::common
