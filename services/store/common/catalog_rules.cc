#include "services/store/common/catalog_rules.h"

#include "services/core/strings.h"

namespace herald::store::common {

absl::StatusOr<std::optional<core::Template>> NextTemplateVersion(
    std::string_view name, const core::Template* latest,
    const TemplateStore::TemplateMutation& mutate) {
  absl::StatusOr<std::optional<core::Template>> mutated = mutate(latest);
  if (!mutated.ok()) return mutated.status();
  if (!*mutated) {
    if (latest == nullptr) {
      return absl::InvalidArgumentError("there is no version to keep for a new template");
    }
    return std::nullopt;
  }
  core::Template& next = **mutated;
  if (next.name != name) {
    return absl::InvalidArgumentError("a template mutation may not change the name");
  }
  next.version = latest ? latest->version + 1 : 1;
  next.active_version = next.version;  // a new version is the one in use
  next.create_time = latest ? latest->create_time : next.update_time;
  return mutated;
}

absl::StatusOr<core::Snippet> SnippetToPut(const core::Snippet& snippet,
                                           const core::Snippet* existing, bool must_exist) {
  if (must_exist && existing == nullptr) {
    return absl::NotFoundError(core::StrCat("snippet \"", snippet.name, "\" not found"));
  }
  if (!must_exist && existing != nullptr) {
    return absl::AlreadyExistsError(core::StrCat("snippet \"", snippet.name, "\" already exists"));
  }
  core::Snippet stored = snippet;
  stored.create_time = existing ? existing->create_time : snippet.update_time;
  if (existing && existing->text == snippet.text) {
    stored.update_time = existing->update_time;  // when its text last changed
  }
  return stored;
}

bool AppliedAlready(const std::optional<TopicPosition>& last, const TopicPosition& at) {
  return last && last->partition == at.partition && at.offset <= last->offset;
}

bool AddHardBounce(core::Profile& p, core::Channel channel, std::string_view detail,
                   core::Time at) {
  for (const core::Suppression& s : p.suppressions) {
    if (s.channel == channel && !s.category && s.reason == core::SuppressionReason::kHardBounce) {
      return false;
    }
  }
  p.suppressions.push_back({channel, std::nullopt, core::SuppressionReason::kHardBounce,
                            std::string(detail), at, std::nullopt});
  p.update_time = at;
  return true;
}

}  // namespace herald::store::common
