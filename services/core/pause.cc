#include "services/core/pause.h"

#include <algorithm>

#include "services/core/name_table.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

constexpr NameTable<PauseScope, 4> kScopes{{
    {PauseScope::kAll, "ALL"},
    {PauseScope::kTemplate, "TEMPLATE"},
    {PauseScope::kCategory, "CATEGORY"},
    {PauseScope::kChannel, "CHANNEL"},
}};

}  // namespace

std::string_view Name(PauseScope v) { return NameIn(kScopes, v); }
std::optional<PauseScope> ParsePauseScope(std::string_view name) { return ParseIn(kScopes, name); }

std::string Describe(PauseScope scope, std::string_view value) {
  switch (scope) {
    case PauseScope::kAll:
      return "all sending";
    case PauseScope::kTemplate:
      return StrCat("template ", value);
    case PauseScope::kCategory:
      return StrCat("category ", value);
    case PauseScope::kChannel:
      return StrCat("channel ", value);
  }
  return "all sending";
}

bool Covers(const Pause& pause, std::string_view template_name,
            const std::optional<Category>& category, const std::optional<Channel>& channel) {
  switch (pause.scope) {
    case PauseScope::kAll:
      return true;
    case PauseScope::kTemplate:
      return pause.value == template_name;
    case PauseScope::kCategory:
      return category && pause.value == Name(*category);
    case PauseScope::kChannel:
      return channel && pause.value == Name(*channel);
  }
  return false;
}

const Pause* FindPause(const std::vector<Pause>& pauses, std::string_view template_name,
                       const std::optional<Category>& category,
                       const std::optional<Channel>& channel) {
  for (const Pause& p : pauses) {
    if (Covers(p, template_name, category, channel)) return &p;
  }
  return nullptr;
}

Decision PausedDecision(const Pause& pause, Time now) {
  Decision d;
  d.outcome = DecisionOutcome::kDefer;
  d.reason = DecisionReason::kPaused;
  d.rule = StrCat("pause of ", Describe(pause));
  d.detail = StrCat(Describe(pause), " paused by ", pause.paused_by, " at ",
                    FormatTime(pause.pause_time), ": ", pause.reason);
  d.decide_time = now;
  d.evaluations.push_back({"pause", false, d.detail});
  return d;
}

bool PauseBoard::Set(std::vector<Pause> pauses) {
  std::lock_guard lock(mu_);
  if (*pauses_ == pauses) return false;
  pauses_ = std::make_shared<const std::vector<Pause>>(std::move(pauses));
  return true;
}

}  // namespace herald::core
