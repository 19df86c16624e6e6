#include "services/core/erasure.h"

#include <algorithm>

#include "absl/strings/str_split.h"

namespace herald::core {

std::optional<Time> ErasedAt(const Profile& profile) {
  for (const Suppression& s : profile.suppressions) {
    if (s.reason == SuppressionReason::kErased) return s.create_time;
  }
  return std::nullopt;
}

Profile ErasedProfile(const std::string& customer_id, const Profile* current, Time now) {
  Profile erased;
  erased.customer_id = customer_id;
  erased.create_time = current != nullptr ? current->create_time : now;
  erased.update_time = now;
  if (current != nullptr) {
    erased.consents = current->consents;
    for (Consent& c : erased.consents) c.source = "erased";
  }
  const std::optional<Time> before = current != nullptr ? ErasedAt(*current) : std::nullopt;
  erased.suppressions.push_back({.channel = std::nullopt,
                                 .category = std::nullopt,
                                 .reason = SuppressionReason::kErased,
                                 .detail = "the customer's data was erased on request",
                                 .create_time = before.value_or(now),
                                 .expire_time = std::nullopt});
  return erased;
}

std::vector<std::string> ErasureTerms(const Profile& profile) {
  std::vector<std::string> terms;
  for (const std::string* value : {&profile.email, &profile.phone, &profile.display_name}) {
    if (!value->empty()) terms.push_back(*value);
  }
  for (absl::string_view word : absl::StrSplit(profile.display_name, ' ', absl::SkipEmpty())) {
    if (word.size() >= 3 && word.size() < profile.display_name.size()) {
      terms.emplace_back(word.data(), word.size());
    }
  }
  return terms;
}

bool LiftsErasure(const Profile& current, const Profile& next) {
  const std::optional<Time> erased = ErasedAt(current);
  if (!erased) return false;
  if (next.email.empty() && next.phone.empty()) return false;
  return std::any_of(next.consents.begin(), next.consents.end(), [&](const Consent& c) {
    return c.state == ConsentState::kGranted && c.update_time > *erased;
  });
}

}  // namespace herald::core
