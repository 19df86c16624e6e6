// Heraldd's listeners: the gRPC API and the two HTTP listeners, each plain or TLS.
#include <fmt/ranges.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "connectors/connector.h"
#include "services/api/audit_service.h"
#include "services/api/auth/access_policy.h"
#include "services/api/auth/jwks.h"
#include "services/api/dead_letter_service.h"
#include "services/api/event_service.h"
#include "services/api/key_service.h"
#include "services/api/notification_service.h"
#include "services/api/operator_service.h"
#include "services/api/privacy_service.h"
#include "services/api/profile_service.h"
#include "services/api/template_service.h"
#include "services/api/tls/grpc_credentials.h"
#include "services/core/strings.h"
#include "services/heraldd/admin_token.h"
#include "services/heraldd/heraldd.h"

namespace herald::heraldd {
namespace {

const char* const kServiceNames[] = {
    "herald.v1.ProfileService",      "herald.v1.TemplateService",   "herald.v1.EventService",
    "herald.v1.NotificationService", "herald.v1.KeyService",        "herald.v1.AuditService",
    "herald.v1.PrivacyService",      "herald.v1.DeadLetterService", "herald.v1.OperatorService",
    "herald.v1.AdminService",
};

// Every method served must have an access rule: one without would be an admin's alone,
// which is never what its author meant.
absl::Status CheckAccessRules() {
  std::vector<std::string> missing;
  for (const char* name : kServiceNames) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) {
      missing.push_back(core::StrCat(name, " (not linked)"));
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method = core::StrCat(service->name(), ".", service->method(i)->name());
      if (api::auth::RolesFor(method) == nullptr) missing.push_back(method);
    }
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InternalError(core::StrCat("methods without an access rule: ",
                                          fmt::format("{}", fmt::join(missing, ", "))));
}

api::tls::ServerTlsFiles FilesOf(const Tls& tls) {
  return {.cert_file = tls.cert_file,
          .key_file = tls.key_file,
          .client_ca_file = tls.client_ca_file,
          .require_client_cert = tls.require_client_cert};
}

// "tls=off", or "tls=on mtls=required subject=..."
std::string DescribeTls(const Tls& tls, const api::tls::ReloadableServerTls* loaded) {
  if (!tls.enabled()) return "tls=off";
  std::string mtls = tls.client_ca_file.empty() ? "off"
                     : tls.require_client_cert  ? "required"
                                                : "optional";
  std::string out = core::StrCat("tls=on mtls=", mtls);
  if (loaded != nullptr) {
    auto identity = loaded->current();
    core::StrAppend(out, " subject=\"", identity->subject, "\" not_after=\"", identity->not_after,
                    "\"");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<api::tls::ReloadableServerTls>> LoadTls(const Tls& tls,
                                                                       std::string_view name) {
  if (!tls.enabled()) return nullptr;
  auto loaded = api::tls::ReloadableServerTls::Load(FilesOf(tls));
  if (!loaded.ok()) {
    return absl::Status(loaded.status().code(),
                        core::StrCat("server.", name, ".", loaded.status().message()));
  }
  return loaded;
}

absl::StatusOr<std::vector<api::auth::Jwk>> ReadJwks(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(core::StrCat("auth.jwt.jwks_file: cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto keys = api::auth::ParseJwks(text.str());
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        core::StrCat("auth.jwt.jwks_file: ", path, ": ", keys.status().message()));
  }
  return keys;
}

}  // namespace

absl::Status Heraldd::StartAuth() {
  const Config::Auth& auth = config_.auth;
  if (!auth.admin_token_file.empty()) {
    absl::Status admin = EnsureAdminToken(auth.admin_token_file, *store_, clock_.Now());
    if (!admin.ok()) return admin;
  }
  if (!auth.jwt.jwks_file.empty()) {
    auto keys = ReadJwks(auth.jwt.jwks_file);
    if (!keys.ok()) return keys.status();
    spdlog::info("msg=\"accepting JWTs\" issuer={} audience={} keys={}", auth.jwt.issuer,
                 auth.jwt.audience, keys->size());
    jwt_ = std::make_unique<api::auth::JwtVerifier>(
        api::auth::JwtOptions{
            .issuer = auth.jwt.issuer,
            .audience = auth.jwt.audience,
            .roles_claim = auth.jwt.roles_claim,
            .leeway = std::chrono::duration_cast<std::chrono::seconds>(auth.jwt.leeway)},
        *std::move(keys));
  }
  authenticator_ = std::make_unique<api::auth::Authenticator>(
      *store_, clock_,
      api::auth::Authenticator::Options{.jwt = jwt_.get(), .certificate_roles = auth.certificates});
  gate_ = std::make_unique<api::auth::Gate>(*authenticator_, *registry_);
  return absl::OkStatus();
}

absl::Status Heraldd::StartHttp() {
  const Config::Server& server = config_.server;
  // Said at every start, before binding, for as long as the config asks for it.
  const std::pair<const char*, const Listener*> listeners[] = {
      {"grpc", &server.grpc}, {"http", &server.http}, {"public", &server.public_http}};
  for (const auto& [name, listener] : listeners) {
    if (listener->insecure && !IsLoopback(listener->address.host) && !listener->tls.enabled()) {
      spdlog::warn(
          "msg=\"plain TCP off loopback (insecure: true): anyone on the network path can read "
          "and change this traffic\" listener={} address={}",
          name, listener->address.ToString());
    }
  }
  auto http_tls = LoadTls(server.http.tls, "http");
  if (!http_tls.ok()) return http_tls.status();
  http_tls_ = *std::move(http_tls);
  auto public_tls = LoadTls(server.public_http.tls, "public");
  if (!public_tls.ok()) return public_tls.status();
  public_tls_ = *std::move(public_tls);

  gateway_ = std::make_unique<api::connect::ConnectGateway>(
      std::vector<std::string>(std::begin(kServiceNames), std::end(kServiceNames)), *registry_);
  if (!server.console_dir.empty()) {
    if (std::filesystem::is_regular_file(std::filesystem::path(server.console_dir) /
                                         "index.html")) {
      console_dir_ = std::filesystem::absolute(server.console_dir).string();
    } else {
      spdlog::warn(
          "msg=\"no console to serve: {}/index.html is missing (tools/dev build makes it; "
          "server.console_dir says where it is)\"",
          server.console_dir);
    }
  }
  api::HttpListener::Options internal{.host = server.http.address.host,
                                      .port = server.http.address.port,
                                      .tls = http_tls_.get(),
                                      .max_body_bytes = static_cast<size_t>(server.max_body_bytes),
                                      .metrics = registry_,
                                      .api = gateway_.get(),
                                      .console_dir = console_dir_};
  if (http_tls_ != nullptr) {
    // Over TLS, /metrics answers a verified client certificate or a bearer token.
    internal.admit_metrics = [gate = gate_.get()](const std::optional<std::string>& authorization,
                                                  bool client_certificate) -> absl::Status {
      if (client_certificate) return absl::OkStatus();
      return gate->Admit({.authorization = authorization}, "Metrics.Scrape").status();
    };
  }
  auto http = api::HttpListener::Start(std::move(internal));
  if (!http.ok()) return http.status();
  http_ = std::move(*http);

  tracking::ReceiptHandler* r = receipts_.get();
  using Method = api::HttpRoute::Method;
  std::vector<api::HttpRoute> routes = {
      {Method::kPost, "/receipts/sms",
       [r](const tracking::ReceiptRequest& q) { return r->Generic(q); }},
      {Method::kPost, "/receipts/twilio",
       [r](const tracking::ReceiptRequest& q) { return r->Twilio(q); }},
      {Method::kPost, "/receipts/email",
       [r](const tracking::ReceiptRequest& q) { return r->Email(q); }},
  };
  if (unsubscribe_tokens_ != nullptr) {
    unsubscribe_ = std::make_unique<api::UnsubscribeHandler>(*store_, clock_, *unsubscribe_tokens_,
                                                             *preference_tokens_, *registry_);
    api::UnsubscribeHandler* u = unsubscribe_.get();
    api::PreferenceCentre::Options centre;
    for (const auto& [category, rules] : config_.policy.rules.categories) {
      centre.consent_by_default[category] = rules.consent_by_default;
    }
    preferences_ = std::make_unique<api::PreferenceCentre>(*store_, clock_, *preference_tokens_,
                                                           std::move(centre), *registry_);
    api::PreferenceCentre* p = preferences_.get();
    routes.push_back({Method::kGet, "/preferences/[A-Za-z0-9_.-]+",
                      [p](const tracking::ReceiptRequest& q) { return p->Get(q); }});
    routes.push_back({Method::kPost, "/preferences/[A-Za-z0-9_.-]+",
                      [p](const tracking::ReceiptRequest& q) { return p->Post(q); }});
    routes.push_back({Method::kPost, "/unsubscribe/[A-Za-z0-9_.-]+",
                      [u](const tracking::ReceiptRequest& q) { return u->Post(q); }});
    routes.push_back({Method::kGet, "/unsubscribe/[A-Za-z0-9_.-]+",
                      [u](const tracking::ReceiptRequest& q) { return u->Get(q); }});
  }
  auto published =
      api::HttpListener::Start({.host = server.public_http.address.host,
                                .port = server.public_http.address.port,
                                .tls = public_tls_.get(),
                                .max_body_bytes = static_cast<size_t>(server.max_body_bytes),
                                .routes = std::move(routes)});
  if (!published.ok()) return published.status();
  public_ = std::move(*published);
  return absl::OkStatus();
}

absl::Status Heraldd::StartGrpc() {
  absl::Status rules = CheckAccessRules();
  if (!rules.ok()) return rules;
  executor_ = std::make_unique<api::BlockingExecutor>(
      config_.server.worker_threads, static_cast<size_t>(config_.server.max_queued_requests));
  runner_ = std::make_unique<api::RpcRunner>(*executor_, *gate_, *registry_);
  audit_ = std::make_unique<api::AuditTrail>(*store_, clock_, *registry_);
  runner_->SetAuditTrail(audit_.get());
  runner_->TrustGateway(gateway_->key());
  services_.push_back(std::make_unique<api::ProfileService>(*store_, clock_, *runner_));
  auto templates = std::make_unique<api::TemplateService>(*store_, clock_, *runner_,
                                                          config_.compose.max_sms_segments);
  templates->SetTestSender(
      [this](core::RenderedMessage message) -> absl::StatusOr<api::TestSendResult> {
        connectors::Connector* connector =
            message.channel == core::Channel::kEmail ? email_.get() : sms_.get();
        if (connector == nullptr) {
          return absl::FailedPreconditionError(
              core::StrCat("no ", core::Name(message.channel), " connector is configured"));
        }
        // Its own Message-ID and idempotency key: a test is never taken for another send.
        static std::atomic<int64_t> sent{0};
        connectors::Delivery delivery{
            .notification_id = core::StrCat("test-", clock_.Now().time_since_epoch().count(), "-",
                                            sent.fetch_add(1)),
            .customer_id = "test",
            .address = message.address,
            .message = std::move(message)};
        connectors::SendResult result = connectors::SendAndWait(*connector, std::move(delivery));
        if (result.outcome != connectors::SendOutcome::kAccepted) {
          return absl::UnavailableError(core::StrCat(
              "the test was not taken (", connectors::Name(result.outcome), "): ", result.detail));
        }
        return api::TestSendResult{.provider_message_id = result.provider_message_id,
                                   .detail = result.detail};
      },
      audit_.get());
  templates->SetPreviewSources(
      {.profiles = store_.get(),
       .event = [store = store_.get()](std::string_view event_id) -> absl::StatusOr<v1::Event> {
         absl::StatusOr<store::EventRecord> record = store->GetEvent(event_id);
         if (!record.ok()) return record.status();
         absl::StatusOr<ingest::StoredEvent> stored = ingest::ReadStoredEvent(*record);
         if (!stored.ok()) return stored.status();
         return std::move(stored->message);
       },
       .default_time_zone = config_.policy.rules.default_time_zone,
       // An example: the preview shows where the link goes, not a working one.
       .preferences_url = config_.dispatch.preferences_base_url.empty()
                              ? std::string()
                              : core::StrCat(config_.dispatch.preferences_base_url, "/EXAMPLE")});
  services_.push_back(std::move(templates));
  services_.push_back(std::make_unique<api::EventService>(*intake_, *runner_));
  auto notifications = std::make_unique<api::NotificationService>(*store_, *runner_);
  notifications_ = notifications.get();
  services_.push_back(std::move(notifications));
  services_.push_back(std::make_unique<api::KeyService>(*store_, clock_, *runner_));
  services_.push_back(std::make_unique<api::AuditService>(*store_, *runner_));
  services_.push_back(std::make_unique<api::PrivacyService>(*store_, clock_, *runner_, *registry_));
  auto operators =
      std::make_unique<api::OperatorService>(*store_, clock_, *runner_, audit_.get(), [this] {
        if (dispatcher_ != nullptr) dispatcher_->Wake();  // a retry goes at once
      });
  operators->SetPauseHooks(store_.get(), [this] {
    // This instance honours its own pause or resume at once, not at the next poll.
    if (pause_watcher_ != nullptr) pause_watcher_->Wake();
    if (releaser_ != nullptr) releaser_->Wake();
  });
  services_.push_back(std::move(operators));
  services_.push_back(std::make_unique<api::AdminService>([this] { return ReloadConfig(); },
                                                          *runner_, audit_.get()));
  {
    const Config::Kafka& k = config_.kafka;
    std::map<std::string, std::string> consumer = kafka_properties_;
    for (const auto& [key, value] : k.consumer_properties) consumer[key] = value;
    std::map<std::string, std::string> producer = kafka_properties_;
    for (const auto& [key, value] : k.producer_properties) producer[key] = value;
    std::set<std::string> intake(k.topics.begin(), k.topics.end());
    if (!k.profiles_topic.empty()) intake.insert(k.profiles_topic);
    auto letters = ingest::DeadLetters::Create(consumer, producer, k.dead_letter_topic, intake);
    if (!letters.ok()) return letters.status();
    dead_letters_ = *std::move(letters);
    services_.push_back(std::make_unique<api::DeadLetterService>(*dead_letters_, *store_, clock_,
                                                                 *runner_, audit_.get()));
  }

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config_.server.grpc.tls.enabled()) {
    auto tls = api::tls::GrpcServerCredentials(FilesOf(config_.server.grpc.tls));
    if (!tls.ok()) {
      return absl::Status(tls.status().code(),
                          core::StrCat("server.grpc.", tls.status().message()));
    }
    credentials = *std::move(tls);
  }
  grpc::EnableDefaultHealthCheckService(config_.server.health);
  if (config_.server.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, so a second heraldd on the same port would
  // silently share it; it should fail to start instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config_.server.grpc.address.ToString(), credentials, &grpc_port_);
  for (auto& service : services_) builder.RegisterService(service.get());
  grpc_ = builder.BuildAndStart();
  if (grpc_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(core::StrCat("grpc: cannot listen on ",
                                               config_.server.grpc.address.ToString(),
                                               " (in use, or not an address of this machine)"));
  }
  gateway_->Attach(grpc_->InProcessChannel(grpc::ChannelArguments()));
  if (grpc::HealthCheckServiceInterface* health = grpc_->GetHealthCheckService()) {
    health->SetServingStatus(true);
    for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  }
  return absl::OkStatus();
}

void Heraldd::LogListeners() const {
  const Config::Server& server = config_.server;
  spdlog::info("msg=\"listening\" protocol=grpc address={}:{} {} reflection={} health={}",
               server.grpc.address.host, grpc_port_, DescribeTls(server.grpc.tls, nullptr),
               server.reflection, server.health);
  spdlog::info(
      "msg=\"listening\" protocol=http listener=internal address={}:{} {} "
      "endpoints=/healthz,/readyz,/metrics,/herald.v1.*{}",
      server.http.address.host, http_->port(), DescribeTls(server.http.tls, http_tls_.get()),
      console_dir_.empty() ? "" : ",/console/");
  spdlog::info(
      "msg=\"listening\" protocol=http listener=public address={}:{} {} "
      "endpoints=/receipts/sms,/receipts/email,/receipts/twilio{}",
      server.public_http.address.host, public_->port(),
      DescribeTls(server.public_http.tls, public_tls_.get()),
      unsubscribe_ != nullptr ? ",/unsubscribe,/preferences" : "");
}

void Heraldd::Reload() {
  ReloadConfig().IgnoreError();  // logged
  if (jwt_ != nullptr) {
    auto keys = ReadJwks(config_.auth.jwt.jwks_file);
    if (keys.ok()) {
      spdlog::info("msg=\"jwks reloaded\" keys={}", keys->size());
      jwt_->SetKeys(*std::move(keys));
    } else {
      spdlog::error("msg=\"jwks not reloaded; the keys in use stay\" error=\"{}\"",
                    keys.status().ToString());
    }
  }
  const std::pair<const char*, api::tls::ReloadableServerTls*> loaded[] = {
      {"http", http_tls_.get()}, {"public", public_tls_.get()}};
  for (const auto& [name, tls] : loaded) {
    if (tls == nullptr) continue;
    absl::Status reloaded = tls->Reload();
    if (reloaded.ok()) {
      spdlog::info("msg=\"certificate reloaded\" listener={} subject=\"{}\" not_after=\"{}\"", name,
                   tls->current()->subject, tls->current()->not_after);
    } else {
      spdlog::error(
          "msg=\"certificate not reloaded; the one in use stays\" listener={} error=\"{}\"", name,
          reloaded.ToString());
    }
  }
}

}  // namespace herald::heraldd
