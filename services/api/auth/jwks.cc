#include "services/api/auth/jwks.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>

#include "services/core/base64url.h"
#include "services/core/strings.h"

namespace herald::api::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string Text(const Struct& s, const std::string& field) {
  auto it = s.fields().find(field);
  if (it == s.fields().end() || it->second.kind_case() != Value::kStringValue) return "";
  return it->second.string_value();
}

struct Deleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

absl::StatusOr<std::string> Member(const Struct& key, const std::string& field,
                                   const std::string& name) {
  std::optional<std::string> bytes = core::DecodeBase64Url(Text(key, field));
  if (!bytes || bytes->empty()) {
    return absl::InvalidArgumentError(
        core::StrCat("JWKS: key ", name, ": \"", field, "\" is missing or not base64url"));
  }
  return *bytes;
}

absl::StatusOr<std::string> ToPem(const char* type, OSSL_PARAM_BLD* build,
                                  const std::string& name) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build));
  Owned<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError(
        core::StrCat("JWKS: key ", name, " is not a valid ", type, " public key"));
  }
  Owned<EVP_PKEY> key(raw);
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return absl::InternalError(core::StrCat("JWKS: key ", name, " cannot be written as PEM"));
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> RsaPem(const Struct& key, const std::string& name) {
  absl::StatusOr<std::string> n = Member(key, "n", name);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = Member(key, "e", name);
  if (!e.ok()) return e.status();
  if (n->size() < 256) {
    return absl::InvalidArgumentError(
        core::StrCat("JWKS: key ", name, ": RSA keys under 2048 bits are refused"));
  }
  Owned<BIGNUM> modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                                  static_cast<int>(n->size()), nullptr));
  Owned<BIGNUM> exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                                   static_cast<int>(e->size()), nullptr));
  Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get());
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get());
  return ToPem("RSA", build.get(), name);
}

absl::StatusOr<std::string> EcPem(const Struct& key, const std::string& name) {
  absl::StatusOr<std::string> x = Member(key, "x", name);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = Member(key, "y", name);
  if (!y.ok()) return y.status();
  if (x->size() != 32 || y->size() != 32) {
    return absl::InvalidArgumentError(
        core::StrCat("JWKS: key ", name, ": a P-256 key's x and y are 32 bytes each"));
  }
  const std::string point = "\x04" + *x + *y;
  Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                   point.size());
  return ToPem("EC", build.get(), name);
}

}  // namespace

absl::StatusOr<std::vector<Jwk>> ParseJwks(std::string_view json) {
  Struct document;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &document).ok()) {
    return absl::InvalidArgumentError("JWKS: not a JSON object");
  }
  auto keys = document.fields().find("keys");
  if (keys == document.fields().end() || keys->second.kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError("JWKS: no \"keys\" array");
  }
  std::vector<Jwk> out;
  int index = 0;
  for (const Value& value : keys->second.list_value().values()) {
    ++index;
    if (value.kind_case() != Value::kStructValue) continue;
    const Struct& key = value.struct_value();
    const std::string kid = Text(key, "kid");
    const std::string name = kid.empty() ? core::StrCat("#", index) : "\"" + kid + "\"";
    const std::string kty = Text(key, "kty");
    const std::string alg = Text(key, "alg");
    if (Text(key, "use") == "enc") continue;
    absl::StatusOr<std::string> pem = absl::NotFoundError("");
    std::string verifies;
    if (kty == "RSA" && (alg.empty() || alg == "RS256")) {
      pem = RsaPem(key, name);
      verifies = "RS256";
    } else if (kty == "EC" && Text(key, "crv") == "P-256" && (alg.empty() || alg == "ES256")) {
      pem = EcPem(key, name);
      verifies = "ES256";
    } else {
      continue;  // a kind of key Herald does not accept (HS*, other curves or algs)
    }
    if (!pem.ok()) return pem.status();
    out.push_back({.kid = kid, .alg = verifies, .pem = *std::move(pem)});
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "JWKS: no key Herald can use (RSA for RS256, or EC P-256 for ES256)");
  }
  return out;
}

}  // namespace herald::api::auth
