#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"

namespace herald::core {

/// What the contact policy decided for one notification.
enum class DecisionOutcome { kSend, kDefer, kSuppress };

/// Why it decided so. SEND carries kAllowed; DEFER and SUPPRESS name the rule's reason.
enum class DecisionReason {
  kAllowed,
  kQuietHours,
  kFrequencyCap,
  kNoConsent,
  kComplaintCooldown,
  kChannelSuppressed,
  kCategorySuppressed,
  kNoContactRoute,
  kDuplicate,
  kNoTemplate,
  /// Let through by the rules, but no channel's message could be rendered: SUPPRESS
  /// with this reason leaves the notification FAILED, for the template's author.
  kRenderFailed,
  /// The customer was erased on request (or a pending notification was cancelled by
  /// the erasure).
  kErased,
  /// An operator paused sending it (a kill switch): DEFER without a time, until the
  /// pause is resumed.
  kPaused,
};

std::string_view Name(DecisionOutcome v);
std::string_view Name(DecisionReason v);
std::optional<DecisionOutcome> ParseDecisionOutcome(std::string_view name);
std::optional<DecisionReason> ParseDecisionReason(std::string_view name);

/// One rule's verdict while deciding: its name ("consent", "frequency_cap", ...),
/// whether it let the notification through, and what it found, with parameters.
struct RuleEvaluation {
  std::string rule;
  bool passed = true;
  std::string detail;

  bool operator==(const RuleEvaluation&) const = default;
};

/// A decision of the contact policy, with the rule that decided and every rule it
/// evaluated on the way.
struct Decision {
  DecisionOutcome outcome = DecisionOutcome::kSuppress;
  DecisionReason reason = DecisionReason::kAllowed;
  /// The deciding rule with its parameters, e.g. "INFORMATIONAL cap 2/7d".
  std::string rule;
  /// For an agent, e.g. "INFORMATIONAL cap 2/7d reached: sent at T1, T2".
  std::string detail;
  /// For DEFER: when the notification is reconsidered.
  std::optional<Time> defer_until;
  Time decide_time;
  std::vector<RuleEvaluation> evaluations;
  /// The version of the config whose rules decided (heraldd's config file, e.g.
  /// "3f9a1c0e7b2d"); empty for decisions no config made (an operator's, an erasure's).
  std::string config_version;

  bool operator==(const Decision&) const = default;
};

}  // namespace herald::core
