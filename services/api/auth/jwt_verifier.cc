#include "services/api/auth/jwt_verifier.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <jwt.h>

#include <algorithm>
#include <cmath>

#include "services/core/base64url.h"
#include "services/core/strings.h"

namespace herald::api::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Refused Refuse(Refusal reason, std::string message) {
  return Refused{.status = absl::UnauthenticatedError(std::move(message)), .reason = reason};
}

std::optional<Struct> DecodePart(std::string_view part) {
  std::optional<std::string> json = core::DecodeBase64Url(part);
  if (!json) return std::nullopt;
  Struct out;
  if (!google::protobuf::util::JsonStringToMessage(*json, &out).ok()) return std::nullopt;
  return out;
}

const Value* Field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

std::string Text(const Struct& s, const std::string& name) {
  const Value* v = Field(s, name);
  return v != nullptr && v->kind_case() == Value::kStringValue ? v->string_value() : "";
}

// A NumericDate claim (seconds since the epoch); nullopt when absent or not a date.
std::optional<core::Time> Date(const Struct& s, const std::string& name) {
  const Value* v = Field(s, name);
  // Seconds up to the year 5000: a larger number is no date (and would not fit).
  constexpr double kLatest = 95'617'584'000;
  if (v == nullptr || v->kind_case() != Value::kNumberValue || !std::isfinite(v->number_value()) ||
      v->number_value() < 0 || v->number_value() > kLatest) {
    return std::nullopt;
  }
  return core::Time(std::chrono::seconds(static_cast<int64_t>(v->number_value())));
}

core::RoleSet RolesOf(const Value* claim) {
  core::RoleSet roles;
  std::vector<std::string> names;
  if (claim != nullptr && claim->kind_case() == Value::kListValue) {
    for (const Value& v : claim->list_value().values()) {
      if (v.kind_case() == Value::kStringValue) names.push_back(v.string_value());
    }
  } else if (claim != nullptr && claim->kind_case() == Value::kStringValue) {
    std::string_view rest = claim->string_value();
    while (!rest.empty()) {
      const size_t space = rest.find(' ');
      names.emplace_back(rest.substr(0, space));
      rest = space == std::string_view::npos ? "" : rest.substr(space + 1);
    }
  }
  for (const std::string& name : names) {
    if (std::optional<core::Role> role = core::ParseRole(name)) roles.Add(*role);
  }
  return roles;
}

bool HasAudience(const Value* aud, const std::string& audience) {
  if (aud == nullptr) return false;
  if (aud->kind_case() == Value::kStringValue) return aud->string_value() == audience;
  if (aud->kind_case() != Value::kListValue) return false;
  const auto& values = aud->list_value().values();
  return std::any_of(values.begin(), values.end(), [&](const Value& v) {
    return v.kind_case() == Value::kStringValue && v.string_value() == audience;
  });
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

JwtVerifier::JwtVerifier(JwtOptions options, std::vector<Jwk> keys)
    : options_(std::move(options)),
      keys_(std::make_shared<const std::vector<Jwk>>(std::move(keys))) {}

void JwtVerifier::SetKeys(std::vector<Jwk> keys) {
  auto shared = std::make_shared<const std::vector<Jwk>>(std::move(keys));
  std::lock_guard lock(mu_);
  keys_ = std::move(shared);
}

std::variant<Caller, Refused> JwtVerifier::Verify(std::string_view token, core::Time now) const {
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  if (!LooksLikeJwt(token) || first == 0 || second == first + 1 || second + 1 == token.size()) {
    return Refuse(Refusal::kMalformed, "a JWT is three base64url parts separated by dots");
  }
  std::optional<Struct> header = DecodePart(token.substr(0, first));
  if (!header) return Refuse(Refusal::kMalformed, "the JWT's header is not base64url JSON");
  const std::string alg = Text(*header, "alg");
  if (alg != "RS256" && alg != "ES256") {
    return Refuse(Refusal::kMalformed,
                  core::StrCat("JWT alg \"", alg, "\" is not accepted: RS256 or ES256 only"));
  }
  const std::string kid = Text(*header, "kid");
  std::shared_ptr<const std::vector<Jwk>> keys;
  {
    std::lock_guard lock(mu_);
    keys = keys_;
  }
  const Jwk* key = nullptr;
  int candidates = 0;
  for (const Jwk& k : *keys) {
    if (k.alg != alg || (!kid.empty() && k.kid != kid)) continue;
    key = &k;
    ++candidates;
  }
  if (key == nullptr || (kid.empty() && candidates > 1)) {
    return Refuse(Refusal::kUnknownKey,
                  kid.empty() ? core::StrCat("the JWT names no key (kid) and the JWKS has ",
                                             candidates, " keys for ", alg)
                              : core::StrCat("the JWKS has no ", alg, " key \"", kid, "\""));
  }
  const std::string text(token);
  jwt_t* decoded = nullptr;
  const int verified =
      jwt_decode(&decoded, text.c_str(), reinterpret_cast<const unsigned char*>(key->pem.data()),
                 static_cast<int>(key->pem.size()));
  const jwt_alg_t decoded_alg = decoded != nullptr ? jwt_get_alg(decoded) : JWT_ALG_INVAL;
  jwt_free(decoded);
  if (verified != 0 || decoded_alg != (alg == "RS256" ? JWT_ALG_RS256 : JWT_ALG_ES256)) {
    return Refuse(Refusal::kBadSignature, core::StrCat("the JWT's signature does not verify with ",
                                                       alg, " key \"", key->kid, "\""));
  }
  std::optional<Struct> claims = DecodePart(token.substr(first + 1, second - first - 1));
  if (!claims) return Refuse(Refusal::kMalformed, "the JWT's claims are not base64url JSON");
  const std::string issuer = Text(*claims, "iss");
  if (issuer != options_.issuer) {
    return Refuse(Refusal::kInvalidClaims, core::StrCat("the JWT's issuer \"", issuer,
                                                        "\" is not \"", options_.issuer, "\""));
  }
  if (!HasAudience(Field(*claims, "aud"), options_.audience)) {
    return Refuse(Refusal::kInvalidClaims,
                  core::StrCat("the JWT is not for audience \"", options_.audience, "\""));
  }
  std::optional<core::Time> expires = Date(*claims, "exp");
  if (!expires) {
    return Refuse(Refusal::kInvalidClaims, "the JWT has no expiry (exp) that is a date");
  }
  if (*expires + options_.leeway <= now) {
    return Refuse(Refusal::kExpired,
                  core::StrCat("the JWT expired at ", core::FormatTime(*expires)));
  }
  if (std::optional<core::Time> not_before = Date(*claims, "nbf");
      not_before && *not_before > now + options_.leeway) {
    return Refuse(Refusal::kInvalidClaims,
                  core::StrCat("the JWT is not valid before ", core::FormatTime(*not_before)));
  }
  const std::string subject = Text(*claims, "sub");
  if (subject.empty()) return Refuse(Refusal::kInvalidClaims, "the JWT names no subject (sub)");
  return Caller{.kind = Caller::Kind::kJwt,
                .id = subject,
                .roles = RolesOf(Field(*claims, options_.roles_claim))};
}

}  // namespace herald::api::auth
