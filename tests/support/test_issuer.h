#pragma once

#include <string>

namespace herald::testing {

/// An identity provider for tests: a fresh key pair (RSA 2048 for RS256, or EC P-256 for
/// ES256), its public key as a JWKS, and JWTs it signs (with libjwt).
class TestIssuer {
 public:
  enum class Kind { kRs256, kEs256 };
  TestIssuer(Kind kind, std::string kid);
  ~TestIssuer();
  TestIssuer(const TestIssuer&) = delete;
  TestIssuer& operator=(const TestIssuer&) = delete;

  /// {"keys": [this key's JWK]}.
  std::string Jwks() const;
  /// This key's JWK alone.
  std::string Jwk() const;
  /// A JWT with these claims (a JSON object) and "kid" in its header.
  std::string Sign(const std::string& claims_json) const;

 private:
  Kind kind_;
  std::string kid_;
  std::string private_pem_;
  std::string jwk_;
};

}  // namespace herald::testing
