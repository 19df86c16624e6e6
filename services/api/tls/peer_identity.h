#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

namespace herald::api::tls {

/// The names of the client certificate on an HTTP connection, when one was presented and
/// verified (mTLS): its subject alternative names (DNS, URI, email, IP address) and its
/// common name, as gRPC reports them for its own connections. Empty otherwise.
std::vector<std::string> VerifiedPeerIdentities(const SSL* ssl);

}  // namespace herald::api::tls
