#include "services/core/kinds.h"

#include <array>
#include <utility>

namespace herald::core {
namespace {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

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
constexpr NameTable<SuppressionReason, 4> kSuppressionReasons{{
    {SuppressionReason::kHardBounce, "HARD_BOUNCE"},
    {SuppressionReason::kUnsubscribe, "UNSUBSCRIBE"},
    {SuppressionReason::kComplaint, "COMPLAINT"},
    {SuppressionReason::kOperator, "OPERATOR"},
}};

template <typename E, size_t N>
std::string_view Lookup(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "UNKNOWN";
}

template <typename E, size_t N>
std::optional<E> Parse(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(Channel v) { return Lookup(kChannels, v); }
std::string_view Name(Category v) { return Lookup(kCategories, v); }
std::string_view Name(Priority v) { return Lookup(kPriorities, v); }
std::string_view Name(ConsentState v) { return Lookup(kConsentStates, v); }
std::string_view Name(SuppressionReason v) { return Lookup(kSuppressionReasons, v); }

std::optional<Channel> ParseChannel(std::string_view n) { return Parse(kChannels, n); }
std::optional<Category> ParseCategory(std::string_view n) { return Parse(kCategories, n); }
std::optional<Priority> ParsePriority(std::string_view n) { return Parse(kPriorities, n); }
std::optional<ConsentState> ParseConsentState(std::string_view n) {
  return Parse(kConsentStates, n);
}
std::optional<SuppressionReason> ParseSuppressionReason(std::string_view n) {
  return Parse(kSuppressionReasons, n);
}

}  // namespace herald::core
