#include "services/compose/template_cache.h"

#include <mutex>

namespace herald::compose {

TemplateCache& TemplateCache::Shared() {
  static auto* shared = new TemplateCache();  // never destroyed: renders may outlive main()
  return *shared;
}

absl::StatusOr<std::shared_ptr<const CompiledTemplate>> TemplateCache::Get(
    std::string_view source) {
  {
    std::shared_lock lock(mutex_);
    auto it = by_source_.find(source);
    if (it != by_source_.end()) {
      it->second.used.store(true, std::memory_order_relaxed);
      return it->second.compiled;
    }
  }
  // Compiled outside the lock: two threads may both compile a new source, and the
  // second keeps the first's.
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> compiled =
      CompiledTemplate::Compile(source);
  if (!compiled.ok()) return compiled.status();
  std::unique_lock lock(mutex_);
  auto [it, inserted] = by_source_.try_emplace((*compiled)->source());
  if (!inserted) {
    it->second.used.store(true, std::memory_order_relaxed);
    return it->second.compiled;
  }
  it->second.compiled = *compiled;
  bytes_ += (*compiled)->bytes();
  if (bytes_ > max_bytes_) Evict(compiled->get());
  return *std::move(compiled);
}

void TemplateCache::Evict(const CompiledTemplate* added) {
  // First what was not used again since it was added or since the last eviction (the
  // rest now count as unused)...
  for (auto it = by_source_.begin(); it != by_source_.end();) {
    if (it->second.used.exchange(false, std::memory_order_relaxed) ||
        it->second.compiled.get() == added) {
      ++it;
      continue;
    }
    bytes_ -= it->second.compiled->bytes();
    it = by_source_.erase(it);
  }
  if (bytes_ <= max_bytes_) return;
  // ...then, when all of it was in use, any until a quarter is free.
  for (auto it = by_source_.begin(); it != by_source_.end() && bytes_ > max_bytes_ / 4 * 3;) {
    if (it->second.compiled.get() == added) {
      ++it;
      continue;
    }
    bytes_ -= it->second.compiled->bytes();
    it = by_source_.erase(it);
  }
}

size_t TemplateCache::size() const {
  std::shared_lock lock(mutex_);
  return by_source_.size();
}

size_t TemplateCache::bytes() const {
  std::shared_lock lock(mutex_);
  return bytes_;
}

}  // namespace herald::compose
