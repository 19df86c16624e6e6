#pragma once

#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "services/api/tls/server_tls.h"

namespace herald::api::tls {

/// How often gRPC looks at its certificate files for a change.
inline constexpr std::chrono::seconds kGrpcCertificateRefresh{1};

/// gRPC server credentials for the files, checked first (a problem names the file). gRPC
/// re-reads them when they change, within kGrpcCertificateRefresh, for new connections
/// only; a client certificate is verified against client_ca_file when one is set.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const ServerTlsFiles& files);

}  // namespace herald::api::tls
