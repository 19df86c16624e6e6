// The server and auth sections of heraldd's config: listeners, TLS, who may call.
#include <arpa/inet.h>

#include "services/core/strings.h"
#include "services/heraldd/config_reader.h"

namespace herald::heraldd {
namespace config_internal {
namespace {

void ReadTls(MapReader& section, Tls& out) {
  section.Get("cert_file", out.cert_file);
  section.Get("key_file", out.key_file);
  section.Get("client_ca_file", out.client_ca_file);
  section.Get("require_client_cert", out.require_client_cert);
  section.Finish();
  if (out.cert_file.empty() != out.key_file.empty()) {
    section.KeyError(out.cert_file.empty() ? "cert_file" : "key_file",
                     "cert_file and key_file are set together");
  }
  if (!out.client_ca_file.empty() && out.cert_file.empty()) {
    section.KeyError("client_ca_file",
                     "needs cert_file and key_file: client certificates are "
                     "asked for over TLS");
  }
}

// `name` is the listener's key under server (grpc, http, public); `shorthand` the older
// key for its address alone (server.grpc_listen, server.http_listen), still read.
void ReadListener(MapReader& server, const std::string& name, const std::string& shorthand,
                  Listener& out, std::string_view source, std::vector<std::string>& errors) {
  const bool short_given = !shorthand.empty() && server.Has(shorthand);
  if (short_given) server.Get(shorthand, out.address);
  if (server.Has(name)) {
    MapReader listener = server.Section(name);
    if (short_given && listener.Has("listen")) {
      listener.KeyError("listen", core::StrCat("given twice: here and as server.", shorthand));
    }
    listener.Get("listen", out.address);
    MapReader tls = listener.Section("tls");
    ReadTls(tls, out.tls);
    listener.Get("insecure", out.insecure);
    listener.Finish();
  }
  if (!IsLoopback(out.address.host) && !out.tls.enabled() && !out.insecure) {
    errors.push_back(core::StrCat(
        source, ": server.", name, ": ", out.address.ToString(),
        " is not a loopback address and has no TLS: set server.", name,
        ".tls.cert_file and key_file, or server.", name,
        ".insecure: true to serve plain TCP there on purpose (e.g. behind a proxy that "
        "terminates TLS)"));
  }
}

}  // namespace

void ReadServer(MapReader& server, Config::Server& out, std::string_view source,
                std::vector<std::string>& errors) {
  ReadListener(server, "grpc", "grpc_listen", out.grpc, source, errors);
  ReadListener(server, "http", "http_listen", out.http, source, errors);
  ReadListener(server, "public", "", out.public_http, source, errors);
  server.Get("console_dir", out.console_dir);
  server.Get("reflection", out.reflection);
  server.Get("health", out.health);
  server.Get("max_body_bytes", out.max_body_bytes, 1024, 64 * 1024 * 1024);
  server.Get("shutdown_grace", out.shutdown_grace);
  server.Get("worker_threads", out.worker_threads, 1, 256);
  server.Get("max_queued_requests", out.max_queued_requests, 1, 1'000'000);
  server.Finish();
}

void ReadAuth(MapReader& auth, Config::Auth& out) {
  auth.Get("admin_token_file", out.admin_token_file);
  if (auth.Has("jwt")) {
    MapReader jwt = auth.Section("jwt");
    jwt.Get("jwks_file", out.jwt.jwks_file);
    jwt.Get("issuer", out.jwt.issuer);
    jwt.Get("audience", out.jwt.audience);
    jwt.Get("roles_claim", out.jwt.roles_claim);
    jwt.Get("leeway", out.jwt.leeway);
    jwt.Finish();
    const std::pair<const char*, const std::string*> required[] = {
        {"jwks_file", &out.jwt.jwks_file},
        {"issuer", &out.jwt.issuer},
        {"audience", &out.jwt.audience},
        {"roles_claim", &out.jwt.roles_claim}};
    for (const auto& [key, value] : required) {
      if (value->empty()) jwt.KeyError(key, "must be set to accept JWTs");
    }
  }
  std::map<std::string, std::string> certificates;
  auth.Get("certificates", certificates);
  for (const auto& [identity, role] : certificates) {
    std::optional<core::Role> parsed = core::ParseRole(role);
    if (!parsed) {
      auth.KeyError("certificates", core::StrCat(identity, ": \"", role,
                                                 "\" is not a role (producer, editor, operator, "
                                                 "viewer, privacy, admin)"));
      continue;
    }
    out.certificates[identity] = *parsed;
  }
  auth.Finish();
}

}  // namespace config_internal

bool IsLoopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  const std::string text(host);
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

}  // namespace herald::heraldd
