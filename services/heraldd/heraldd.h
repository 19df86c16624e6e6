#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "services/api/admin_service.h"
#include "services/api/auth/authenticator.h"
#include "services/api/auth/gate.h"
#include "services/api/blocking_executor.h"
#include "services/api/connect/connect_gateway.h"
#include "services/api/http_listener.h"
#include "services/api/notification_service.h"
#include "services/api/preference_centre.h"
#include "services/api/rpc_runner.h"
#include "services/api/tls/server_tls.h"
#include "services/api/unsubscribe_handler.h"
#include "services/compose/composer.h"
#include "services/core/clock.h"
#include "services/core/worker.h"
#include "services/dispatch/dispatcher.h"
#include "services/heraldd/config.h"
#include "services/ingest/dead_letters.h"
#include "services/ingest/embedded_broker.h"
#include "services/ingest/event_consumer.h"
#include "services/ingest/intake.h"
#include "services/policy/decider.h"
#include "services/policy/pause_watcher.h"
#include "services/policy/releaser.h"
#include "services/store/retention.h"
#include "services/store/store.h"
#include "services/store/template_catalog.h"
#include "services/tracking/backlog_gauges.h"
#include "services/tracking/status_publisher.h"

namespace herald::heraldd {

/// The running service: wires the store, the gRPC services and the HTTP endpoints as
/// the config says. The only place that knows every part.
class Heraldd {
 public:
  /// Opens the store (applying migrations), starts listening and reports ready.
  static absl::StatusOr<std::unique_ptr<Heraldd>> Start(const Config& config);
  Heraldd(const Heraldd&) = delete;
  Heraldd& operator=(const Heraldd&) = delete;
  ~Heraldd();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_->port(); }
  int public_port() const { return public_->port(); }

  /// SIGHUP: the HTTP listeners' certificates and keys and the JWKS are read again
  /// (gRPC's certificates are watched), and the config file (ReloadConfig); a problem
  /// keeps what is in use and is logged.
  void Reload();

  /// Reads the config file again and applies what may change while heraldd runs
  /// (config_reload.h): the decider's rules, the lanes' pacing and retries, the log
  /// level. A file that does not validate, or changes what only a restart applies, is
  /// refused (FAILED_PRECONDITION saying why) and the config in force stays. Logged,
  /// counted in herald_config_reloads_total{result}; herald_config_info{version} says
  /// which is in force.
  absl::StatusOr<api::ConfigReload> ReloadConfig();

  /// Stops consuming (finishing and committing the batch in hand), stops taking
  /// requests, lets in-flight work finish (up to the configured grace), and closes the
  /// store after its last write. Idempotent.
  void Shutdown();

 private:
  explicit Heraldd(const Config& config) : config_(config), running_(config) {}
  absl::Status StartAuth();
  absl::Status StartHttp();
  void LogListeners() const;
  absl::Status StartGrpc();
  /// The embedded broker when configured, and the properties every Kafka client gets.
  absl::Status StartBroker();
  absl::Status StartKafka();
  absl::Status StartDispatch();

  const Config config_;
  std::mutex reload_mu_;
  Config running_;  // reload_mu_: the config in force, as reloaded
  prometheus::Family<prometheus::Gauge>* config_info_ = nullptr;
  prometheus::Family<prometheus::Counter>* config_reloads_ = nullptr;
  core::SystemClock clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::TemplateCatalog> templates_;
  core::PauseBoard pauses_;  // operators' pauses, as pause_watcher_ last read them
  std::unique_ptr<policy::PauseWatcher> pause_watcher_;
  std::unique_ptr<policy::Decider> decider_;
  std::unique_ptr<ingest::Intake> intake_;
  std::unique_ptr<ingest::PartitionOwnership> ownership_;  // PostgreSQL: several instances
  std::unique_ptr<policy::Releaser> releaser_;
  std::unique_ptr<compose::Composer> composer_;
  std::unique_ptr<connectors::Connector> email_;
  std::unique_ptr<connectors::Connector> sms_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  /// On a shared store: resolves the sends of instances gone (their leases ran out).
  std::unique_ptr<core::Worker> takeover_;
  std::unique_ptr<store::Retention> retention_;  // retention.*
  std::unique_ptr<tracking::ReceiptHandler> receipts_;
  std::unique_ptr<core::UnsubscribeTokens> unsubscribe_tokens_;  // dispatch.unsubscribe_secret
  std::unique_ptr<core::PreferenceTokens> preference_tokens_;    // the same secret
  std::unique_ptr<api::UnsubscribeHandler> unsubscribe_;
  std::unique_ptr<api::PreferenceCentre> preferences_;
  std::unique_ptr<ingest::EmbeddedBroker> broker_;  // outlives the consumer
  std::unique_ptr<ingest::FanoutSink> fanout_;      // outlives the consumer
  std::unique_ptr<ingest::EventConsumer> consumer_;
  std::map<std::string, std::string> kafka_properties_;  // with bootstrap.servers
  std::unique_ptr<ingest::DeadLetters> dead_letters_;    // read and replayed by the API
  std::unique_ptr<tracking::StatusPublisher> status_;
  std::unique_ptr<tracking::BacklogGauges> backlog_;  // herald_notifications, outbox age
  std::unique_ptr<api::auth::JwtVerifier> jwt_;       // auth.jwt set
  std::unique_ptr<api::auth::Authenticator> authenticator_;
  std::unique_ptr<api::auth::Gate> gate_;
  std::unique_ptr<api::BlockingExecutor> executor_;
  std::unique_ptr<api::RpcRunner> runner_;
  std::unique_ptr<api::AuditTrail> audit_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  api::NotificationService* notifications_ = nullptr;  // one of services_
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  std::unique_ptr<api::tls::ReloadableServerTls> http_tls_;
  std::unique_ptr<api::tls::ReloadableServerTls> public_tls_;
  std::unique_ptr<api::connect::ConnectGateway> gateway_;  // the JSON API, into grpc_
  std::string console_dir_;                                // empty: no console
  std::unique_ptr<api::HttpListener> http_;    // internal: health, metrics, JSON API, console
  std::unique_ptr<api::HttpListener> public_;  // provider receipts
  bool shut_down_ = false;
};

}  // namespace herald::heraldd
