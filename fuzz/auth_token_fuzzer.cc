// Bearer tokens as callers send them: API keys, JWTs and JWKS documents. The first byte
// picks what the rest is: (0) an Authorization header, checked against one stored API key
// and an ES256 JWKS; (1) a JWT's claims, signed with that JWKS's key so that the claims
// are reached; (2) a JWKS document. Each must be accepted or refused with a reason;
// nothing may crash or read out of bounds.
#include <jwt.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "services/api/auth/api_key_token.h"
#include "services/api/auth/authenticator.h"
#include "services/api/auth/jwks.h"
#include "services/api/auth/jwt_verifier.h"
#include "services/core/clock.h"

namespace {

using herald::api::auth::Caller;
using herald::api::auth::Refused;

// A fixed P-256 key (generated for this fuzzer only) and its JWK.
constexpr char kPrivateKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqPFqQCW7pJXBphEF
SaKHDIcXbdkk4fU+JbdE0GruoPWhRANCAASQbR34UDpYU+VZjwEXR1S4Inmw4nsD
bW5yv8VNGVljG6S04UdfZYW+l2dXwgc1PIikMzMqTKJelw7p5rut56yX
-----END PRIVATE KEY-----
)";
constexpr char kJwks[] = R"({"keys": [{"kty": "EC", "crv": "P-256", "kid": "fuzz",)"
                         R"( "x": "kG0d-FA6WFPlWY8BF0dUuCJ5sOJ7A21ucr_FTRlZYxs",)"
                         R"( "y": "pLThR19lhb6XZ1fCBzU8iKQzMypMol6XDunmu63nrJc"}]})";

class OneKey final : public herald::store::ApiKeyStore {
 public:
  OneKey() {
    key_.id = "aaaaaaaaaaaaaaaa";
    key_.name = "fuzz";
    key_.role = herald::core::Role::kViewer;
    key_.secret_sha256 = herald::api::auth::HashSecret(std::string(52, 'b'));
  }
  absl::Status CreateApiKey(const herald::core::ApiKey&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<herald::core::ApiKey> GetApiKey(std::string_view id) override {
    if (id == key_.id) return key_;
    return absl::NotFoundError("no such key");
  }
  absl::StatusOr<herald::store::Page<herald::core::ApiKey>> ListApiKeys(std::string_view,
                                                                        int) override {
    return herald::store::Page<herald::core::ApiKey>{};
  }
  absl::StatusOr<herald::core::ApiKey> RevokeApiKey(std::string_view, herald::core::Time) override {
    return absl::UnimplementedError("");
  }

 private:
  herald::core::ApiKey key_;
};

struct World {
  World() {
    auto keys = herald::api::auth::ParseJwks(kJwks);
    if (!keys.ok()) std::abort();
    verifier = std::make_unique<herald::api::auth::JwtVerifier>(
        herald::api::auth::JwtOptions{.issuer = "https://idp.fuzz/", .audience = "herald"}, *keys);
    authenticator = std::make_unique<herald::api::auth::Authenticator>(
        store, clock, herald::api::auth::AuthenticatorOptions{.jwt = verifier.get()});
  }
  OneKey store;
  herald::core::SystemClock clock;
  std::unique_ptr<herald::api::auth::JwtVerifier> verifier;
  std::unique_ptr<herald::api::auth::Authenticator> authenticator;
};

void Check(const std::variant<Caller, Refused>& result) {
  if (const Refused* refused = std::get_if<Refused>(&result)) {
    if (refused->status.ok() || refused->status.message().empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      Check(world.authenticator->Authenticate({.authorization = rest}));
      (void)herald::api::auth::ParseApiKeyToken(rest);
      break;
    }
    case 1: {
      jwt_t* jwt = nullptr;
      jwt_new(&jwt);
      if (jwt_add_grants_json(jwt, rest.c_str()) == 0) {
        jwt_add_header(jwt, "kid", "fuzz");
        jwt_set_alg(jwt, JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(kPrivateKey),
                    static_cast<int>(sizeof kPrivateKey - 1));
        if (char* token = jwt_encode_str(jwt)) {
          Check(world.verifier->Verify(token, world.clock.Now()));
          free(token);
        }
      }
      jwt_free(jwt);
      break;
    }
    default: {
      auto keys = herald::api::auth::ParseJwks(rest);
      if (!keys.ok() && keys.status().message().empty()) std::abort();
      break;
    }
  }
  return 0;
}
