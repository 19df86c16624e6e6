#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herald::core {

/// RFC 4648 base64url without padding (JWTs and JWKs); nullopt for text that is not.
std::optional<std::string> DecodeBase64Url(std::string_view text);
std::string EncodeBase64Url(std::string_view bytes);

}  // namespace herald::core
