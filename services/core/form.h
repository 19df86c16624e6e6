#pragma once

#include <map>
#include <string>
#include <string_view>

namespace herald::core {

/// An application/x-www-form-urlencoded body (or query) as name -> value, both
/// decoded ('+' is a space, %XX a byte); of a repeated name, the last value.
std::map<std::string, std::string> ParseForm(std::string_view body);

}  // namespace herald::core
