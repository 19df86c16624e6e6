#include "services/policy/frequency_cap.h"

#include <algorithm>

#include "services/core/strings.h"

namespace herald::policy {
namespace {

// Sends inside (now - window, now], oldest first.
std::vector<core::Time> InWindow(const std::vector<SentMessage>& sent, const Cap& cap,
                                 core::Time now, const std::optional<core::Category>& only) {
  std::vector<core::Time> times;
  for (const SentMessage& s : sent) {
    if (only && s.category != *only) continue;
    if (s.sent_time > now - cap.window && s.sent_time <= now) times.push_back(s.sent_time);
  }
  std::sort(times.begin(), times.end());
  return times;
}

// When the cap is reached: the first moment it allows one more send, and the detail.
std::optional<std::pair<core::Time, std::string>> Reached(const std::vector<core::Time>& times,
                                                          const Cap& cap, const std::string& rule) {
  if (static_cast<int>(times.size()) < cap.max_count) return std::nullopt;
  // With k sends counted and room for max, the (k - max + 1)-th oldest must leave.
  const core::Time until = times[times.size() - static_cast<size_t>(cap.max_count)] + cap.window;
  std::string detail = core::StrCat(rule, " reached: sent at ");
  for (size_t i = 0; i < times.size(); ++i) {
    core::StrAppend(detail, i == 0 ? "" : ", ", core::FormatTime(times[i]));
  }
  return std::pair{until, detail};
}

}  // namespace

std::string FormatWindow(std::chrono::seconds window) {
  const int64_t s = window.count();
  if (s != 0 && s % 86400 == 0) return core::StrCat(s / 86400, "d");
  if (s != 0 && s % 3600 == 0) return core::StrCat(s / 3600, "h");
  if (s != 0 && s % 60 == 0) return core::StrCat(s / 60, "m");
  return core::StrCat(s, "s");
}

CapVerdict CheckFrequencyCaps(const CapRules& rules, core::Category category,
                              const std::vector<SentMessage>& sent, core::Time now) {
  CapVerdict verdict;
  if (category == core::Category::kSecurity) return verdict;
  const auto it = rules.categories.find(category);
  const CategoryCaps caps = it != rules.categories.end() ? it->second : CategoryCaps{};

  std::vector<std::pair<core::Time, std::string>> limits;
  std::vector<std::string> rule_names;
  if (caps.cap && caps.cap->max_count > 0) {
    const std::string rule = core::StrCat(core::Name(category), " cap ", caps.cap->max_count, "/",
                                          FormatWindow(caps.cap->window));
    if (auto reached = Reached(InWindow(sent, *caps.cap, now, category), *caps.cap, rule)) {
      limits.push_back(*std::move(reached));
      rule_names.push_back(rule);
    }
  }
  if (rules.global && rules.global->max_count > 0) {
    const std::string rule = core::StrCat("global cap ", rules.global->max_count, "/",
                                          FormatWindow(rules.global->window));
    if (auto reached =
            Reached(InWindow(sent, *rules.global, now, std::nullopt), *rules.global, rule)) {
      limits.push_back(*std::move(reached));
      rule_names.push_back(rule);
    }
  }
  if (limits.empty()) return verdict;

  verdict.allowed = false;
  verdict.action = caps.over_cap;
  for (size_t i = 0; i < limits.size(); ++i) {
    core::StrAppend(verdict.rule, i == 0 ? "" : " and ", rule_names[i]);
    core::StrAppend(verdict.detail, i == 0 ? "" : "; ", limits[i].second);
  }
  if (verdict.action == OverCap::kDefer) {
    // Every cap must allow it: the latest of their first moments.
    verdict.defer_until = std::max_element(limits.begin(), limits.end())->first;
  }
  return verdict;
}

}  // namespace herald::policy
