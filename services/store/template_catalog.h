#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/template.h"
#include "services/store/store.h"

namespace herald::store {

/// Templates and snippets as intake, the contact policy and rendering read them: kept
/// in memory and read again from the store only when its catalog version changed
/// (one small read per Refresh). Thread-safe.
class TemplateCatalog {
 public:
  /// One consistent view of the catalog at one version. Templates load lazily, so a
  /// view fills in as it is asked; what it returns never changes.
  class View {
   public:
    int64_t version() const { return version_; }
    /// The active versions of the templates `event_type` triggers, in name order.
    absl::StatusOr<std::vector<std::shared_ptr<const core::Template>>> ForEventType(
        std::string_view event_type) const;
    /// The version events use now; nullptr when there is no such template.
    absl::StatusOr<std::shared_ptr<const core::Template>> Active(std::string_view name) const;
    /// Every snippet by name: the partials templates include.
    const std::shared_ptr<const std::map<std::string, std::string>>& snippets() const {
      return snippets_;
    }

   private:
    friend class TemplateCatalog;
    TemplateStore* store_ = nullptr;
    int64_t version_ = 0;
    std::shared_ptr<const std::map<std::string, std::string>> snippets_;
    mutable std::mutex mu_;
    mutable std::map<std::string, std::vector<std::shared_ptr<const core::Template>>, std::less<>>
        by_event_type_;
    mutable std::map<std::string, std::shared_ptr<const core::Template>, std::less<>> active_;
  };

  explicit TemplateCatalog(TemplateStore& store) : store_(store) {}

  /// The view at the store's present catalog version.
  absl::StatusOr<std::shared_ptr<const View>> Refresh();
  /// One version of a template (versions never change, so they are kept); NOT_FOUND
  /// when it is gone.
  absl::StatusOr<std::shared_ptr<const core::Template>> Version(std::string_view name,
                                                                int64_t version);

 private:
  TemplateStore& store_;
  std::mutex mu_;
  std::shared_ptr<const View> view_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const core::Template>> versions_;
};

}  // namespace herald::store
