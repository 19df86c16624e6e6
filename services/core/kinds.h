#pragma once

#include <optional>
#include <string_view>

namespace herald::core {

/// A way of reaching a customer.
enum class Channel { kEmail, kSms };

/// The kind of outbound contact; consent, caps and quiet hours are per category.
enum class Category {
  kOrderUpdate,
  kServiceUpdate,
  kReminder,
  kSurvey,
  kInformational,
  kSecurity,
};

/// Priority of a template's messages.
enum class Priority { kLow, kNormal, kHigh, kUrgent };

/// A customer's answer to a consent question.
enum class ConsentState { kGranted, kDenied };

/// Why a suppression exists.
/// kErased: the customer's data was erased on request; only new contact data with
/// consent from the profiles topic lifts it.
enum class SuppressionReason { kHardBounce, kUnsubscribe, kComplaint, kOperator, kErased };

// Stable names, used in storage, config and logs ("EMAIL", "ORDER_UPDATE", ...).
std::string_view Name(Channel v);
std::string_view Name(Category v);
std::string_view Name(Priority v);
std::string_view Name(ConsentState v);
std::string_view Name(SuppressionReason v);

std::optional<Channel> ParseChannel(std::string_view name);
std::optional<Category> ParseCategory(std::string_view name);
std::optional<Priority> ParsePriority(std::string_view name);
std::optional<ConsentState> ParseConsentState(std::string_view name);
std::optional<SuppressionReason> ParseSuppressionReason(std::string_view name);

}  // namespace herald::core
