#include "services/api/tls/server_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "services/core/strings.h"

namespace herald::api::tls {
namespace {

// The first OpenSSL error in the queue, as text (the queue is cleared).
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

absl::StatusOr<File> Open(const std::string& path, std::string_view what) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) {
    return absl::FailedPreconditionError(
        core::StrCat(what, " ", path, ": cannot be read: ", std::strerror(errno)));
  }
  return File(f);
}

std::shared_ptr<X509> Share(X509* x) { return std::shared_ptr<X509>(x, X509_free); }

// Every certificate in a PEM file, in order.
absl::StatusOr<std::vector<std::shared_ptr<X509>>> ReadCertificates(const std::string& path,
                                                                    std::string_view what) {
  absl::StatusOr<File> file = Open(path, what);
  if (!file.ok()) return file.status();
  std::vector<std::shared_ptr<X509>> certs;
  while (X509* cert = PEM_read_X509(file->get(), nullptr, nullptr, nullptr)) {
    certs.push_back(Share(cert));
  }
  ERR_clear_error();  // the end of the file reads as an error
  if (certs.empty()) {
    return absl::InvalidArgumentError(
        core::StrCat(what, " ", path, ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
  }
  return certs;
}

std::string Name(X509_NAME* name) {
  char text[512];
  X509_NAME_oneline(name, text, sizeof text);
  return text;
}

std::string Time(const ASN1_TIME* t) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ServerIdentity>> LoadServerIdentity(
    const ServerTlsFiles& files) {
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError("tls: cert_file and key_file must both be set");
  }
  auto identity = std::make_shared<ServerIdentity>();
  absl::StatusOr<std::vector<std::shared_ptr<X509>>> certs =
      ReadCertificates(files.cert_file, "tls.cert_file");
  if (!certs.ok()) return certs.status();
  identity->cert = certs->front();
  identity->chain = std::shared_ptr<STACK_OF(X509)>(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); });
  for (size_t i = 1; i < certs->size(); ++i) {
    X509_up_ref((*certs)[i].get());
    sk_X509_push(identity->chain.get(), (*certs)[i].get());
  }
  {
    absl::StatusOr<File> file = Open(files.key_file, "tls.key_file");
    if (!file.ok()) return file.status();
    EVP_PKEY* key = PEM_read_PrivateKey(file->get(), nullptr, nullptr, nullptr);
    if (key == nullptr) {
      return absl::InvalidArgumentError(core::StrCat("tls.key_file ", files.key_file,
                                                     ": holds no unencrypted PEM private key (",
                                                     OpenSslError(), ")"));
    }
    identity->key = std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
  }
  if (X509_check_private_key(identity->cert.get(), identity->key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(core::StrCat("tls.key_file ", files.key_file,
                                                   " is not the key of the certificate in ",
                                                   files.cert_file));
  }
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::vector<std::shared_ptr<X509>>> cas =
        ReadCertificates(files.client_ca_file, "tls.client_ca_file");
    if (!cas.ok()) return cas.status();
    identity->client_cas = std::shared_ptr<X509_STORE>(X509_STORE_new(), X509_STORE_free);
    for (const auto& ca : *cas) X509_STORE_add_cert(identity->client_cas.get(), ca.get());
  }
  identity->subject = Name(X509_get_subject_name(identity->cert.get()));
  identity->not_after = Time(X509_get0_notAfter(identity->cert.get()));
  return std::shared_ptr<const ServerIdentity>(std::move(identity));
}

absl::StatusOr<std::unique_ptr<ReloadableServerTls>> ReloadableServerTls::Load(
    ServerTlsFiles files) {
  std::unique_ptr<ReloadableServerTls> tls(new ReloadableServerTls(std::move(files)));
  absl::Status loaded = tls->Reload();
  if (!loaded.ok()) return loaded;
  return tls;
}

absl::Status ReloadableServerTls::Reload() {
  absl::StatusOr<std::shared_ptr<const ServerIdentity>> identity = LoadServerIdentity(files_);
  if (!identity.ok()) return identity.status();
  std::lock_guard lock(mu_);
  current_ = *std::move(identity);
  return absl::OkStatus();
}

std::shared_ptr<const ServerIdentity> ReloadableServerTls::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

bool ReloadableServerTls::Configure(SSL_CTX& context) {
  if (SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION) != 1) return false;
  SSL_CTX_set_options(
      &context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cert_cb(&context, &ReloadableServerTls::OnCertificate, this);
  if (!files_.client_ca_file.empty()) {
    SSL_CTX_set_verify(
        &context,
        SSL_VERIFY_PEER | (files_.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
        nullptr);
  }
  return true;
}

int ReloadableServerTls::OnCertificate(SSL* ssl, void* self) {
  std::shared_ptr<const ServerIdentity> identity =
      static_cast<ReloadableServerTls*>(self)->current();
  if (identity == nullptr) return 0;
  if (SSL_use_certificate(ssl, identity->cert.get()) != 1 ||
      SSL_use_PrivateKey(ssl, identity->key.get()) != 1 ||
      SSL_set1_chain(ssl, identity->chain.get()) != 1) {
    return 0;
  }
  if (identity->client_cas != nullptr &&
      SSL_set1_verify_cert_store(ssl, identity->client_cas.get()) != 1) {
    return 0;
  }
  return 1;
}

}  // namespace herald::api::tls
