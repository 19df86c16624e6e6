#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/compose/mustache.h"
#include "services/compose/mustache_program.h"
#include "services/compose/value.h"

namespace herald::compose {

// Bounds on one render, so that no template and no data can exhaust the stack, the
// memory or the time of the process rendering it. Each is far beyond what a message
// needs; crossing one is INVALID_ARGUMENT saying which, as "... more than N ...".

/// Partials including partials, e.g. a snippet that includes itself to walk a tree.
inline constexpr int kMaxPartialDepth = 64;
/// Sections inside sections, counted through partials too.
inline constexpr int kMaxSectionDepth = 128;
/// Steps of work in all: operations run and context levels searched for names. Lists
/// in lists multiply them; a long message takes tens of thousands.
inline constexpr int64_t kMaxRenderSteps = 1'000'000;
/// The rendered text.
inline constexpr size_t kMaxRenderedBytes = size_t{16} << 20;

/// The data a template renders with: a stack of values, the last on top. A name is
/// looked up from the top down, so a small map on top (the customer) can sit on data
/// shared by many renders (the event) without copying it.
using Context = std::span<const Value* const>;

/// A Mustache source parsed and checked once, rendered any number of times.
class CompiledTemplate {
 public:
  /// INVALID_ARGUMENT as CheckMustacheSyntax.
  static absl::StatusOr<std::shared_ptr<const CompiledTemplate>> Compile(std::string_view source);

  CompiledTemplate(const CompiledTemplate&) = delete;
  CompiledTemplate& operator=(const CompiledTemplate&) = delete;

  const std::string& source() const { return source_; }
  const MustacheProgram& program() const { return program_; }
  /// The partials it includes, each once, with where it is first included.
  const std::vector<MustacheTag>& includes() const { return includes_; }
  /// About how much memory it holds.
  size_t bytes() const;

 private:
  CompiledTemplate() = default;

  std::string source_;
  MustacheProgram program_;
  std::vector<MustacheTag> includes_;
};

/// Compiled partials by name: what {{> name}} includes.
class Partials {
 public:
  /// Adds a partial, or replaces the one of that name.
  void Add(std::string name, std::shared_ptr<const CompiledTemplate> partial);
  /// The partial of that name; null when there is none.
  const CompiledTemplate* Find(std::string_view name) const;
  bool empty() const { return by_name_.empty(); }
  size_t size() const { return by_name_.size(); }

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const CompiledTemplate>>> by_name_;  // sorted
};

/// Appends the template rendered with the data to `out`, as the Mustache spec says: a
/// partial not in `partials` renders as nothing. INVALID_ARGUMENT when rendering
/// crosses one of the bounds above, e.g. "partial \"footer\" nested more than 64 deep
/// (footer -> footer -> ...)"; `out` then holds part of the text.
absl::Status Render(const CompiledTemplate& tmpl, Context context, const Partials& partials,
                    Escape escape, std::string& out);

}  // namespace herald::compose
