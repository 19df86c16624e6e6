#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "services/compose/compiled_template.h"

namespace herald::compose {

/// Compiled templates by their source text, shared by every thread that renders: a
/// template or snippet is parsed the first time it renders, not at every message. A
/// changed snippet is a new source, so it can never render from an old compiled form.
class TemplateCache {
 public:
  /// Sources and compiled forms together; enough for thousands of templates.
  static constexpr size_t kDefaultMaxBytes = size_t{64} << 20;

  explicit TemplateCache(size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}
  TemplateCache(const TemplateCache&) = delete;
  TemplateCache& operator=(const TemplateCache&) = delete;

  /// The one the service renders with.
  static TemplateCache& Shared();

  /// The compiled form of `source`, the same object every time while it is kept.
  /// INVALID_ARGUMENT as CheckMustacheSyntax (a source with an error is not kept).
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> Get(std::string_view source);

  /// Compiled templates kept, and about how much memory they hold.
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::shared_ptr<const CompiledTemplate> compiled;
    // Set by every hit, cleared by eviction: what was not asked for again since it
    // was added or last evicted from goes first.
    mutable std::atomic<bool> used{false};
  };

  // Makes room, keeping `added` (the entry just added).
  void Evict(const CompiledTemplate* added);

  const size_t max_bytes_;
  mutable std::shared_mutex mutex_;
  // Keys view each compiled template's own copy of its source, so a lookup copies
  // nothing.
  std::unordered_map<std::string_view, Entry> by_source_;
  size_t bytes_ = 0;
};

}  // namespace herald::compose
