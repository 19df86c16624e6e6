#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald::core {

/// Contact data as logs, details and viewers see it: enough to tell two apart, not
/// enough to contact anyone.
/// "anna@example.nl" -> "a***@example.nl" (the domain says which provider bounced).
std::string MaskEmail(std::string_view email);
/// "+31612345678" -> "+3161*****78" (country and network kept, as long as the number).
std::string MaskPhone(std::string_view phone);
/// "Anna de Vries" -> "A*** d* V*****".
std::string MaskName(std::string_view name);

/// Free text (an SMTP reply, a rejection detail, a log line) with every email address
/// and every international phone number (+ and 8 to 15 digits, spaces or dashes
/// between allowed) in it masked as above; the rest unchanged.
std::string MaskContactData(std::string_view text);

/// Free text with every occurrence of each term (ignoring ASCII case; empty ones
/// skipped) replaced by "[erased]", then MaskContactData: what stays of a text that
/// quoted an erased customer.
std::string EraseTerms(std::string_view text, const std::vector<std::string>& terms);

}  // namespace herald::core
