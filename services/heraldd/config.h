#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/email/smtp_connector.h"
#include "connectors/sms/sms_connector.h"
#include "services/core/access.h"
#include "services/dispatch/dispatcher.h"
#include "services/policy/contact_policy.h"

namespace herald::heraldd {

/// host:port to listen on; port 0 picks a free port.
struct ListenAddress {
  std::string host;
  int port = 0;

  std::string ToString() const;
};

/// TLS for a listener, from PEM files: gRPC re-reads them when they change, the HTTP
/// listeners on SIGHUP; open connections keep what they started with.
struct Tls {
  std::string cert_file = {};  // the certificate chain, the server's own first
  std::string key_file = {};
  /// mTLS: client certificates must chain to this CA bundle; empty: none asked for.
  std::string client_ca_file = {};
  /// With client_ca_file: a client without a certificate is refused (false: it may
  /// authenticate otherwise, e.g. with a bearer token).
  bool require_client_cert = true;

  bool enabled() const { return !cert_file.empty(); }
};

/// Where a listener binds, and how it is protected. Off loopback, a listener needs TLS
/// unless `insecure` says plain TCP is meant (e.g. behind a proxy that terminates TLS).
struct Listener {
  ListenAddress address = {};
  Tls tls = {};
  bool insecure = false;
};

/// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool IsLoopback(std::string_view host);

/// heraldd's configuration, typed. Every field has a default that works on one machine.
struct Config {
  struct Server {
    /// The gRPC API (every call authenticated), health and reflection.
    Listener grpc{.address = {"127.0.0.1", 50051}};
    /// Internal HTTP: /healthz, /readyz and /metrics (with TLS, /metrics needs a client
    /// certificate or a bearer token), the JSON API (Connect) and the console.
    Listener http{.address = {"127.0.0.1", 8080}};
    /// Public HTTP, for the internet: provider receipts (signed).
    Listener public_http{.address = {"127.0.0.1", 8081}};
    /// The built console (index.html and its assets), served at /console/ on the http
    /// listener; relative to the directory heraldd starts in; "": none.
    std::string console_dir = "console/dist";
    /// gRPC server reflection (lists the API's methods and types).
    bool reflection = true;
    /// grpc.health.v1.Health on the gRPC port, answered without a credential (for load
    /// balancers and probes; it says only whether heraldd serves).
    bool health = true;
    /// Largest request body the HTTP listeners read; larger is refused (413) unread.
    int max_body_bytes = 64 * 1024;
    /// How long in-flight work may take to finish after SIGTERM.
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
    /// Threads that run blocking request work (store calls).
    int worker_threads = 4;
    /// Requests waiting for a worker before new ones get RESOURCE_EXHAUSTED.
    int max_queued_requests = 1024;
  };
  struct Sqlite {
    std::string path = "var/herald.db";
    std::chrono::milliseconds busy_timeout{std::chrono::seconds(5)};
    /// FULL: a commit survives power loss. NORMAL: it survives a process crash only.
    bool synchronous_full = true;
    /// Writes committed together in one transaction.
    int max_batch = 256;
  };
  /// The shared store of several instances (store.backend: postgres).
  struct Postgres {
    /// libpq connection string (key=value or postgresql:// URI); TLS settings
    /// (sslmode, sslrootcert, sslcert, sslkey) and passfile pass through to libpq.
    std::string dsn;
    /// A file whose first line is the password (e.g. a mounted secret): read at start
    /// and given to libpq, never logged. Empty: none (or in the dsn's passfile).
    std::string password_file;
    /// The password itself, or (better) {env: NAME}; never logged. Wins over
    /// password_file.
    std::string password;
    /// Connections this instance keeps open.
    int pool_size = 8;
    /// A statement running longer is cancelled and its transaction fails.
    std::chrono::milliseconds statement_timeout{std::chrono::seconds(30)};
    /// How long a claimed hand-off is this instance's without renewal (it renews its
    /// leases every quarter of this). When it runs out (the instance died, or lost the
    /// database that long), another instance resolves the send.
    std::chrono::milliseconds send_lease{std::chrono::seconds(30)};
    /// Who this instance is, in leases and logs; empty: host name and process id.
    std::string instance;
  };
  struct Store {
    enum class Backend { kSqlite, kPostgres };
    Backend backend = Backend::kSqlite;
    Sqlite sqlite;
    Postgres postgres;
  };
  struct Kafka {
    /// Start librdkafka's mock cluster in-process and consume from it (one machine,
    /// tests, demos). False: consume from bootstrap_servers.
    bool embedded = true;
    /// Partitions of each topic the embedded broker creates.
    int embedded_partitions = 4;
    std::string bootstrap_servers;
    std::string group_id = "heraldd";
    std::vector<std::string> topics = {"herald.orders", "herald.service", "herald.fraud"};
    /// Profile and consent changes from a CRM; empty: not consumed.
    std::string profiles_topic = "herald.profiles";
    std::string dead_letter_topic = "herald.dlq";
    /// Where audiences of ingest.fanout_min_audience customers and more are split, one
    /// record per customer, for the instance that owns each to decide; co-partitioned
    /// with the event topics.
    std::string fanout_topic = "herald.fanout";
    /// Every state change of every notification, keyed by customer id; empty: none
    /// published (and none kept for it).
    std::string status_topic = "herald.delivery-status";
    /// How status changes are encoded: herald.v1.DeliveryStatusChange as protobuf, or
    /// as its JSON mapping.
    bool status_json = false;
    int max_batch = 5000;
    std::chrono::milliseconds max_batch_wait{0};
    /// librdkafka properties passed through unchanged: for every client (TLS, SASL),
    /// for the consumer only, and for the producers (dead letters, status) only.
    std::map<std::string, std::string> properties;
    std::map<std::string, std::string> consumer_properties;
    std::map<std::string, std::string> producer_properties;
  };
  struct Ingest {
    /// Largest encoded event accepted; larger ones are dead-lettered as OVERSIZED.
    int max_event_bytes = 256 * 1024;
    /// Most customers one event may address.
    int max_audience = 1'000'000;
    /// Notifications not yet decided or dispatched (PENDING and QUEUED) at which
    /// Kafka consumption pauses; it resumes at 90%. 0: no limit.
    int max_backlog = 1'000'000;
    /// Audiences this large or larger are split over the instances through
    /// kafka.fanout_topic; 0: every audience is decided by the instance that reads it.
    int fanout_min_audience = 0;
    /// How far in the future an event's occur_time may be.
    std::chrono::milliseconds max_future_skew{std::chrono::hours(1)};
  };
  struct Policy {
    /// The contact rules: consent defaults, caps, quiet hours, complaint cooldown.
    policy::PolicyConfig rules = policy::PolicyConfig::Defaults();
    /// Notifications decided per store transaction.
    int max_batch = 500;
  };
  struct Compose {
    /// Most SMS parts a rendered SMS may take, for templates that set no maximum.
    int max_sms_segments = 3;
  };
  /// Dispatch: connectors and how each channel is paced and retried. A channel
  /// without a connector keeps its notifications QUEUED.
  struct Email {
    bool enabled = false;  // an email section is given
    connectors::email::SmtpOptions smtp;
    dispatch::ChannelPolicy dispatch;
  };
  struct Sms {
    bool enabled = false;
    std::string provider = "generic_json";  // or "twilio"
    connectors::sms::GenericJsonOptions generic;
    connectors::sms::TwilioOptions twilio;
    connectors::sms::SmsOptions http;
    dispatch::ChannelPolicy dispatch;
  };
  struct Dispatch {
    int max_batch = 100;
    /// Where the public listener's /unsubscribe is reached from the internet, e.g.
    /// https://herald.bank.example/unsubscribe: INFORMATIONAL and SURVEY email carry
    /// {this}/{token} as their one-click List-Unsubscribe. Empty: none.
    std::string unsubscribe_base_url;
    /// The HMAC key the links' tokens are signed with (a secret: inline, file or env):
    /// the unsubscribe links' and the preference centre's.
    std::string unsubscribe_secret;
    /// Where the public listener's /preferences is reached from the internet, e.g.
    /// https://herald.bank.example/preferences: templates' {{preferences_url}} is
    /// {this}/{token}, a link to the customer's own preference page. Empty: none (the
    /// page is still served to unsubscribe links when the secret is set).
    std::string preferences_base_url;
    /// How long a {{preferences_url}} link works after its message is rendered.
    std::chrono::milliseconds preferences_link_valid_for = std::chrono::hours(24 * 60);
  };
  /// Delivery receipts on the HTTP port: /receipts/sms and /receipts/email (generic
  /// JSON, signed with generic_secret) and /receipts/twilio (signed with the Twilio auth
  /// token, for the callback URL as the provider calls it).
  struct Receipts {
    std::string generic_secret;
    std::string twilio_public_url;
    /// How far a signed receipt's X-Herald-Timestamp may be from now.
    std::chrono::milliseconds replay_window{std::chrono::minutes(5)};
  };
  /// How long what Herald holds about customers is kept (the retention job).
  struct Retention {
    /// Messages' addresses, subjects and bodies (and events' bodies) go after this;
    /// 0 keeps them.
    std::chrono::milliseconds content_after{std::chrono::hours(24 * 90)};
    /// Notifications with their decisions and attempts go after this; 0 keeps them.
    std::chrono::milliseconds records_after{std::chrono::hours(24 * 400)};
    int batch_size = 500;
    std::chrono::milliseconds interval{std::chrono::minutes(1)};
  };
  /// Who may call the API: every call needs a bearer token (an API key) whose role
  /// allows the method.
  struct Auth {
    /// A file holding an admin key's token: the first way in. Created (mode 0600, with a
    /// new key) when missing; its key is registered at start if the store lacks it.
    /// Revoke that key through the API once others exist. Empty: none. The default sits
    /// beside the default SQLite file; several instances should share one (a mounted
    /// secret).
    std::string admin_token_file = "var/admin.token";
    /// JWTs from an identity provider (jwt.jwks_file set): verified against its keys.
    struct Jwt {
      std::string jwks_file;  // re-read on SIGHUP
      std::string issuer;
      std::string audience;
      std::string roles_claim = "herald_roles";
      std::chrono::milliseconds leeway{std::chrono::seconds(60)};
    };
    Jwt jwt;
    /// mTLS: a client certificate's identity (a subject alternative name or the common
    /// name) and the role a call with it gets, without a token.
    std::map<std::string, core::Role> certificates;
  };
  struct Log {
    spdlog::level::level_enum level = spdlog::level::info;
    /// Email addresses and phone numbers in log lines are masked (a***@example.nl).
    bool mask_contact_data = true;
    /// false: logfmt lines; true: one JSON object per line (log.format: json).
    bool json = false;
  };

  Server server;
  Store store;
  Kafka kafka;
  Ingest ingest;
  Policy policy;
  Compose compose;
  Email email;
  Sms sms;
  Dispatch dispatch;
  Receipts receipts;
  Retention retention;
  Auth auth;
  Log log;

  /// The file it was read from (LoadConfig); "" for text parsed directly.
  std::string source_path;
  /// The config file's SHA-256 (hex), and its version: the first 12 digits of it.
  /// Decisions name the version (core::Decision::config_version).
  std::string digest;
  std::string version;
  /// The file, as the parts a reload may change and the parts it may not (SplitConfig,
  /// config_reload.h): each part's YAML, to tell which changed.
  std::map<std::string, std::string> fixed_parts;
  std::map<std::string, std::string> reloadable_parts;
};

/// Parses YAML text. Unknown keys, wrong types and bad values are all reported, one
/// per line, as "SOURCE:LINE:COLUMN: PATH: problem".
absl::StatusOr<Config> ParseConfig(std::string_view yaml, std::string_view source);

/// Reads and parses a config file.
absl::StatusOr<Config> LoadConfig(const std::string& path);

/// "10s", "250ms", "5m", "2h", "14d".
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace herald::heraldd
