#include "services/store/template_catalog.h"

#include <utility>

namespace herald::store {
namespace {

// Versions kept at most; each is a few KiB.
constexpr size_t kVersionsKept = 1024;

}  // namespace

absl::StatusOr<std::vector<std::shared_ptr<const core::Template>>>
TemplateCatalog::View::ForEventType(std::string_view event_type) const {
  {
    std::lock_guard lock(mu_);
    auto it = by_event_type_.find(event_type);
    if (it != by_event_type_.end()) return it->second;
  }
  absl::StatusOr<std::vector<core::Template>> loaded =
      store_->ListTemplatesForEventType(event_type);
  if (!loaded.ok()) return loaded.status();
  std::vector<std::shared_ptr<const core::Template>> templates;
  templates.reserve(loaded->size());
  for (core::Template& t : *loaded) {
    templates.push_back(std::make_shared<const core::Template>(std::move(t)));
  }
  std::lock_guard lock(mu_);
  return by_event_type_.emplace(std::string(event_type), std::move(templates)).first->second;
}

absl::StatusOr<std::shared_ptr<const core::Template>> TemplateCatalog::View::Active(
    std::string_view name) const {
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(name);
    if (it != active_.end()) return it->second;
  }
  absl::StatusOr<core::Template> loaded = store_->GetTemplate(name, TemplateStore::kActiveVersion);
  if (!loaded.ok() && !absl::IsNotFound(loaded.status())) return loaded.status();
  std::shared_ptr<const core::Template> active =
      loaded.ok() ? std::make_shared<const core::Template>(*std::move(loaded)) : nullptr;
  std::lock_guard lock(mu_);
  return active_.emplace(std::string(name), std::move(active)).first->second;
}

absl::StatusOr<std::shared_ptr<const TemplateCatalog::View>> TemplateCatalog::Refresh() {
  absl::StatusOr<int64_t> version = store_.CatalogVersion();
  if (!version.ok()) return version.status();
  {
    std::lock_guard lock(mu_);
    if (view_ != nullptr && view_->version_ == *version) return view_;
  }
  absl::StatusOr<std::vector<core::Snippet>> snippets = store_.ListSnippets();
  if (!snippets.ok()) return snippets.status();
  auto by_name = std::make_shared<std::map<std::string, std::string>>();
  for (core::Snippet& s : *snippets) by_name->emplace(std::move(s.name), std::move(s.text));
  auto view = std::make_shared<View>();
  view->store_ = &store_;
  view->version_ = *version;
  view->snippets_ = std::move(by_name);
  std::lock_guard lock(mu_);
  // A snippet changed just after the version was read is in the next view.
  if (view_ == nullptr || view_->version_ < *version) view_ = view;
  return view_;
}

absl::StatusOr<std::shared_ptr<const core::Template>> TemplateCatalog::Version(
    std::string_view name, int64_t version) {
  const std::pair<std::string, int64_t> key(std::string(name), version);
  {
    std::lock_guard lock(mu_);
    auto it = versions_.find(key);
    if (it != versions_.end()) return it->second;
  }
  absl::StatusOr<core::Template> loaded = store_.GetTemplate(name, version);
  if (!loaded.ok()) return loaded.status();
  auto tmpl = std::make_shared<const core::Template>(*std::move(loaded));
  std::lock_guard lock(mu_);
  if (versions_.size() >= kVersionsKept) versions_.clear();
  return versions_.emplace(key, std::move(tmpl)).first->second;
}

}  // namespace herald::store
