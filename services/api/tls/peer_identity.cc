#include "services/api/tls/peer_identity.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <memory>

namespace herald::api::tls {
namespace {

std::string Text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string Address(const ASN1_OCTET_STRING* ip) {
  char text[INET6_ADDRSTRLEN] = {};
  const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
  if (ASN1_STRING_length(ip) != 4 && ASN1_STRING_length(ip) != 16) return "";
  if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof(text)) == nullptr) return "";
  return text;
}

}  // namespace

std::vector<std::string> VerifiedPeerIdentities(const SSL* ssl) {
  std::vector<std::string> names;
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return names;
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return names;
  std::unique_ptr<GENERAL_NAMES, decltype(&GENERAL_NAMES_free)> alternatives(
      static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)),
      &GENERAL_NAMES_free);
  for (int i = 0; alternatives != nullptr && i < sk_GENERAL_NAME_num(alternatives.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives.get(), i);
    switch (name->type) {
      case GEN_DNS:
        names.push_back(Text(name->d.dNSName));
        break;
      case GEN_URI:
        names.push_back(Text(name->d.uniformResourceIdentifier));
        break;
      case GEN_EMAIL:
        names.push_back(Text(name->d.rfc822Name));
        break;
      case GEN_IPADD:
        if (std::string ip = Address(name->d.iPAddress); !ip.empty()) names.push_back(ip);
        break;
      default:
        break;
    }
  }
  X509_NAME* subject = X509_get_subject_name(certificate);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at >= 0) names.push_back(Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at))));
  return names;
}

}  // namespace herald::api::tls
