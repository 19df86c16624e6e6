#include "services/core/kinds.h"

#include "services/core/name_table.h"

namespace herald::core {
namespace {

constexpr NameTable<Channel, 2> kChannels{{{Channel::kEmail, "EMAIL"}, {Channel::kSms, "SMS"}}};
constexpr NameTable<Category, 6> kCategories{{
    {Category::kOrderUpdate, "ORDER_UPDATE"},
    {Category::kServiceUpdate, "SERVICE_UPDATE"},
    {Category::kReminder, "REMINDER"},
    {Category::kSurvey, "SURVEY"},
    {Category::kInformational, "INFORMATIONAL"},
    {Category::kSecurity, "SECURITY"},
}};
constexpr NameTable<Priority, 4> kPriorities{{
    {Priority::kLow, "LOW"},
    {Priority::kNormal, "NORMAL"},
    {Priority::kHigh, "HIGH"},
    {Priority::kUrgent, "URGENT"},
}};
constexpr NameTable<ConsentState, 2> kConsentStates{
    {{ConsentState::kGranted, "GRANTED"}, {ConsentState::kDenied, "DENIED"}}};
constexpr NameTable<SuppressionReason, 5> kSuppressionReasons{{
    {SuppressionReason::kHardBounce, "HARD_BOUNCE"},
    {SuppressionReason::kUnsubscribe, "UNSUBSCRIBE"},
    {SuppressionReason::kComplaint, "COMPLAINT"},
    {SuppressionReason::kOperator, "OPERATOR"},
    {SuppressionReason::kErased, "ERASED"},
}};

}  // namespace

std::string_view Name(Channel v) { return NameIn(kChannels, v); }
std::string_view Name(Category v) { return NameIn(kCategories, v); }
std::string_view Name(Priority v) { return NameIn(kPriorities, v); }
std::string_view Name(ConsentState v) { return NameIn(kConsentStates, v); }
std::string_view Name(SuppressionReason v) { return NameIn(kSuppressionReasons, v); }

std::optional<Channel> ParseChannel(std::string_view n) { return ParseIn(kChannels, n); }
std::optional<Category> ParseCategory(std::string_view n) { return ParseIn(kCategories, n); }
std::optional<Priority> ParsePriority(std::string_view n) { return ParseIn(kPriorities, n); }
std::optional<ConsentState> ParseConsentState(std::string_view n) {
  return ParseIn(kConsentStates, n);
}
std::optional<SuppressionReason> ParseSuppressionReason(std::string_view n) {
  return ParseIn(kSuppressionReasons, n);
}

}  // namespace herald::core
