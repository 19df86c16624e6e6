#include "services/core/decision.h"

#include "services/core/name_table.h"

namespace herald::core {
namespace {

constexpr NameTable<DecisionOutcome, 3> kOutcomes{{
    {DecisionOutcome::kSend, "SEND"},
    {DecisionOutcome::kDefer, "DEFER"},
    {DecisionOutcome::kSuppress, "SUPPRESS"},
}};
constexpr NameTable<DecisionReason, 13> kReasons{{
    {DecisionReason::kAllowed, "ALLOWED"},
    {DecisionReason::kQuietHours, "QUIET_HOURS"},
    {DecisionReason::kFrequencyCap, "FREQUENCY_CAP"},
    {DecisionReason::kNoConsent, "NO_CONSENT"},
    {DecisionReason::kComplaintCooldown, "COMPLAINT_COOLDOWN"},
    {DecisionReason::kChannelSuppressed, "CHANNEL_SUPPRESSED"},
    {DecisionReason::kCategorySuppressed, "CATEGORY_SUPPRESSED"},
    {DecisionReason::kNoContactRoute, "NO_CONTACT_ROUTE"},
    {DecisionReason::kDuplicate, "DUPLICATE"},
    {DecisionReason::kNoTemplate, "NO_TEMPLATE"},
    {DecisionReason::kRenderFailed, "RENDER_FAILED"},
    {DecisionReason::kErased, "ERASED"},
    {DecisionReason::kPaused, "PAUSED"},
}};

}  // namespace

std::string_view Name(DecisionOutcome v) { return NameIn(kOutcomes, v); }
std::string_view Name(DecisionReason v) { return NameIn(kReasons, v); }
std::optional<DecisionOutcome> ParseDecisionOutcome(std::string_view n) {
  return ParseIn(kOutcomes, n);
}
std::optional<DecisionReason> ParseDecisionReason(std::string_view n) {
  return ParseIn(kReasons, n);
}

}  // namespace herald::core
