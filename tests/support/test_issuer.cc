#include "tests/support/test_issuer.h"

#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>

#include "services/core/base64url.h"

namespace herald::testing {
namespace {

std::string Bn(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return core::EncodeBase64Url(bytes);
}

}  // namespace

TestIssuer::TestIssuer(Kind kind, std::string kid) : kind_(kind), kid_(std::move(kid)) {
  EVP_PKEY* key = kind == Kind::kRs256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) std::abort();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  private_pem_.assign(data, static_cast<size_t>(size));
  if (kind == Kind::kRs256) {
    jwk_ = R"({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": ")" + kid_ + R"(", "n": ")" +
           Bn(key, OSSL_PKEY_PARAM_RSA_N) + R"(", "e": ")" + Bn(key, OSSL_PKEY_PARAM_RSA_E) +
           R"("})";
  } else {
    unsigned char point[65];
    size_t length = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &length);
    const std::string x(reinterpret_cast<char*>(point) + 1, 32);
    const std::string y(reinterpret_cast<char*>(point) + 33, 32);
    jwk_ = R"({"kty": "EC", "crv": "P-256", "kid": ")" + kid_ + R"(", "x": ")" +
           core::EncodeBase64Url(x) + R"(", "y": ")" + core::EncodeBase64Url(y) + R"("})";
  }
  EVP_PKEY_free(key);
}

TestIssuer::~TestIssuer() = default;

std::string TestIssuer::Jwks() const { return R"({"keys": [)" + jwk_ + "]}"; }
std::string TestIssuer::Jwk() const { return jwk_; }

std::string TestIssuer::Sign(const std::string& claims_json) const {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grants_json(jwt, claims_json.c_str());
  jwt_add_header(jwt, "kid", kid_.c_str());
  jwt_set_alg(jwt, kind_ == Kind::kRs256 ? JWT_ALG_RS256 : JWT_ALG_ES256,
              reinterpret_cast<const unsigned char*>(private_pem_.data()),
              static_cast<int>(private_pem_.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded != nullptr ? encoded : "";
  free(encoded);
  jwt_free(jwt);
  return token;
}

}  // namespace herald::testing
