#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace herald::api::tls {

/// A listener's TLS material, as PEM files.
struct ServerTlsFiles {
  std::string cert_file = {};  // the certificate chain, the server's own first
  std::string key_file = {};
  /// The CA bundle client certificates must chain to (mTLS); empty: none is asked for.
  std::string client_ca_file = {};
  /// With client_ca_file: refuse a client without a certificate (else only one whose
  /// certificate does not verify, and it must authenticate otherwise).
  bool require_client_cert = true;
};

/// The material loaded and checked (the key matches the certificate, the CA bundle
/// holds at least one certificate).
struct ServerIdentity {
  std::shared_ptr<X509> cert = {};
  std::shared_ptr<STACK_OF(X509)> chain;  // intermediates after the server's own
  std::shared_ptr<EVP_PKEY> key = {};
  std::shared_ptr<X509_STORE> client_cas = {};  // null without client_ca_file
  std::string subject = {};                     // of the server's certificate, for the log
  std::string not_after = {};
};

/// INVALID_ARGUMENT / FAILED_PRECONDITION naming the file and what is wrong with it.
absl::StatusOr<std::shared_ptr<const ServerIdentity>> LoadServerIdentity(
    const ServerTlsFiles& files);

/// TLS for an HTTP listener that can take a new certificate without a restart: each
/// handshake uses the identity current at that moment, so Reload() applies to new
/// connections and leaves open ones alone. TLS 1.2 is the minimum.
class ReloadableServerTls {
 public:
  static absl::StatusOr<std::unique_ptr<ReloadableServerTls>> Load(ServerTlsFiles files);
  ReloadableServerTls(const ReloadableServerTls&) = delete;
  ReloadableServerTls& operator=(const ReloadableServerTls&) = delete;

  /// Reads the files again; on a problem the identity in use stays, and the problem is
  /// returned.
  absl::Status Reload();
  /// Sets up a context for this listener (for httplib::SSLServer); false if OpenSSL
  /// refuses.
  bool Configure(SSL_CTX& context);
  std::shared_ptr<const ServerIdentity> current() const;

 private:
  explicit ReloadableServerTls(ServerTlsFiles files) : files_(std::move(files)) {}
  static int OnCertificate(SSL* ssl, void* self);

  const ServerTlsFiles files_;
  mutable std::mutex mu_;
  std::shared_ptr<const ServerIdentity> current_;
};

}  // namespace herald::api::tls
