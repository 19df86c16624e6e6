#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/core/clock.h"
#include "services/core/profile.h"

namespace herald::core {

/// When the customer was erased on request (their ERASED suppression); nullopt when
/// they were not, or were contacted again since.
std::optional<Time> ErasedAt(const Profile& profile);

/// What stays of a profile when its customer is erased at `now` (from `current`,
/// nullptr when there is none): the id, the consents' answers and times without their
/// proof (source "erased"), and one suppression of every channel and category with
/// reason ERASED. Contact data, name, locale, time zone, quiet hours, preferred
/// channels and other suppressions go.
Profile ErasedProfile(const std::string& customer_id, const Profile* current, Time now);

/// The contact data and name a profile holds, as erasure looks for them in free texts:
/// email, phone, the whole name and each of its words of three letters or more.
std::vector<std::string> ErasureTerms(const Profile& profile);

/// Whether `next`, a change of the erased profile `current` read from the profiles
/// topic, brings the customer back: contact data (an email address or a phone number)
/// and a consent granted after the erasure.
bool LiftsErasure(const Profile& current, const Profile& next);

}  // namespace herald::core
