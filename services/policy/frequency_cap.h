#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/core/clock.h"
#include "services/core/kinds.h"

namespace herald::policy {

/// At most `max_count` sends in any rolling `window`; a max_count below 1 is no cap.
struct Cap {
  int max_count = 0;
  std::chrono::seconds window{0};
};

/// What happens to a message over its cap: wait for the window, or never send it.
enum class OverCap { kDefer, kDrop };

/// The caps of one category.
struct CategoryCaps {
  std::optional<Cap> cap;
  OverCap over_cap = OverCap::kDefer;
};

/// Caps per category and across all of them. SECURITY is never capped.
struct CapRules {
  std::map<core::Category, CategoryCaps> categories;
  std::optional<Cap> global;
};

/// One message actually sent to the customer (caps count sends, not attempts).
struct SentMessage {
  core::Category category;
  core::Time sent_time;
};

/// The frequency caps' verdict for one more message.
struct CapVerdict {
  bool allowed = true;
  OverCap action = OverCap::kDefer;
  /// For kDefer: the first moment every cap allows the message.
  std::optional<core::Time> defer_until;
  /// The rule that decided, e.g. "INFORMATIONAL cap 2/7d", or "global cap 5/1d".
  std::string rule;
  /// e.g. "INFORMATIONAL cap 2/7d reached: sent at 2026-03-01T09:00:00Z, ...".
  std::string detail;
};

/// Applies the category's cap and the global cap to one more message at `now`, given
/// what was sent to the customer (any order). A window counts sends in (now - window,
/// now]; a send stops counting exactly `window` after it.
CapVerdict CheckFrequencyCaps(const CapRules& rules, core::Category category,
                              const std::vector<SentMessage>& sent, core::Time now);

/// "30d", "12h", "90m", "45s": the largest unit that divides the duration.
std::string FormatWindow(std::chrono::seconds window);

}  // namespace herald::policy
