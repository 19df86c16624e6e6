#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"
#include "services/core/decision.h"
#include "services/core/kinds.h"

namespace herald::core {

/// What a kill switch stops: all sending, or one template, category or channel.
enum class PauseScope { kAll, kTemplate, kCategory, kChannel };

std::string_view Name(PauseScope v);
std::optional<PauseScope> ParsePauseScope(std::string_view name);

/// An operator's pause of sending. While it lasts, a notification it covers that the
/// policy would let go is DEFERRED with reason PAUSED instead, and waits for the resume.
struct Pause {
  PauseScope scope = PauseScope::kAll;
  /// The template's name, or the category's or channel's stable name; "" for kAll.
  std::string value = {};
  /// Who paused it (a principal, e.g. "api-key:ops-1").
  std::string paused_by = {};
  std::string reason = {};
  Time pause_time = {};

  bool operator==(const Pause&) const = default;
};

/// "all sending", "template order_shipped", "category SURVEY", "channel SMS".
std::string Describe(PauseScope scope, std::string_view value);
inline std::string Describe(const Pause& p) { return Describe(p.scope, p.value); }

/// Whether `pause` covers a notification of this template, category and channel (an
/// unset category or channel is covered only by the pauses that do not name one).
bool Covers(const Pause& pause, std::string_view template_name,
            const std::optional<Category>& category, const std::optional<Channel>& channel);

/// The first of `pauses` that covers such a notification; nullptr: none.
const Pause* FindPause(const std::vector<Pause>& pauses, std::string_view template_name,
                       const std::optional<Category>& category,
                       const std::optional<Channel>& channel);

/// The decision that holds a notification back for `pause`: DEFER, reason PAUSED,
/// without a time (it waits for the resume), saying who paused what, when and why.
Decision PausedDecision(const Pause& pause, Time now);

/// The pauses in force as this instance last read them: shared by the stages that
/// honour them (the policy when deciding, the dispatcher before a hand-off).
class PauseBoard {
 public:
  using Pauses = std::shared_ptr<const std::vector<Pause>>;

  PauseBoard() : pauses_(std::make_shared<const std::vector<Pause>>()) {}
  PauseBoard(const PauseBoard&) = delete;
  PauseBoard& operator=(const PauseBoard&) = delete;

  Pauses Current() const {
    std::lock_guard lock(mu_);
    return pauses_;
  }
  /// Replaces them; returns whether they changed.
  bool Set(std::vector<Pause> pauses);

 private:
  mutable std::mutex mu_;
  Pauses pauses_;
};

}  // namespace herald::core
