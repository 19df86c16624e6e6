#include "services/heraldd/heraldd.h"

#include <dlfcn.h>
#include <fmt/ranges.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "services/api/auth/access_policy.h"
#include "services/api/event_service.h"
#include "services/api/key_service.h"
#include "services/api/notification_mapping.h"
#include "services/api/notification_service.h"
#include "services/api/profile_service.h"
#include "services/api/profile_updates.h"
#include "services/api/template_service.h"
#include "services/core/strings.h"
#include "services/core/trace.h"
#include "services/heraldd/after_intake.h"
#include "services/ingest/topic_producer.h"
#include "services/store/postgres/postgres_store.h"
#include "services/store/sqlite/sqlite_store.h"

namespace herald::heraldd {
namespace {

// One state change as the status topic carries it, keyed by customer id.
absl::StatusOr<ingest::TopicRecord> StatusRecord(const store::StatusChange& change, bool json) {
  const v1::DeliveryStatusChange proto = api::StatusChangeToProto(change);
  ingest::TopicRecord record;
  record.key = change.customer_id;
  if (json) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    auto printed = google::protobuf::util::MessageToJsonString(proto, &record.value, options);
    if (!printed.ok()) {
      return absl::InternalError(core::StrCat("status change ", change.sequence,
                                              " does not print as JSON: ", printed.ToString()));
    }
  } else if (!proto.SerializeToString(&record.value)) {
    return absl::InternalError(
        core::StrCat("status change ", change.sequence, " does not serialize"));
  }
  record.headers = {
      {"content-type", json ? "application/json" : "application/x-protobuf"},
      {"herald-message-type", std::string(v1::DeliveryStatusChange::descriptor()->full_name())},
  };
  if (!change.trace_id.empty()) {
    // Its own span of the event's trace, one per change.
    record.headers.emplace_back(
        "traceparent",
        core::Traceparent(change.trace_id, core::StrCat("status/", change.sequence)));
  }
  return record;
}

// Which malloc this process runs on: tcmalloc when the build linked it (HERALD_TCMALLOC),
// else the C library's. Asked of the process, not the build, so it cannot be out of date.
const char* Allocator() {
  return dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr ? "tcmalloc" : "glibc";
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenPostgres(const Config::Postgres& c,
                                                           bool status_outbox) {
  std::string dsn = c.dsn;
  if (!c.password_file.empty()) {
    std::ifstream in(c.password_file);
    std::string password;
    if (!in || !std::getline(in, password)) {
      return absl::FailedPreconditionError(core::StrCat(
          "store.postgres.password_file: cannot read a password from ", c.password_file));
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    // Later keywords win in a libpq connection string.
    dsn += " password=" + store::postgres::QuoteDsnValue(password);
  }
  if (!c.password.empty()) dsn += " password=" + store::postgres::QuoteDsnValue(c.password);
  std::string instance = c.instance;
  if (instance.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    instance = core::StrCat(host, ":", getpid());
  }
  auto opened = store::postgres::PostgresStore::Open({.dsn = dsn,
                                                      .pool_size = c.pool_size,
                                                      .statement_timeout = c.statement_timeout,
                                                      .instance = instance,
                                                      .send_lease = c.send_lease,
                                                      .status_outbox = status_outbox});
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenSqlite(const Config::Sqlite& c,
                                                         bool status_outbox) {
  const std::filesystem::path dir = std::filesystem::path(c.path).parent_path();
  if (!dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
      return absl::FailedPreconditionError(core::StrCat(
          "store.sqlite.path: cannot create directory ", dir.string(), ": ", error.message()));
    }
  }
  auto opened = store::sqlite::SqliteStore::Open({.path = c.path,
                                                  .busy_timeout = c.busy_timeout,
                                                  .synchronous_full = c.synchronous_full,
                                                  .max_batch = c.max_batch,
                                                  .status_outbox = status_outbox});
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Heraldd>> Heraldd::Start(const Config& config) {
  std::unique_ptr<Heraldd> d(new Heraldd(config));
  d->registry_ = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("herald_build_info")
      .Help("Always 1; the labels say which heraldd is running")
      .Register(*d->registry_)
      .Add({{"version", HERALD_VERSION}, {"allocator", Allocator()}})
      .Set(1);
  d->config_info_ =
      &prometheus::BuildGauge()
           .Name("herald_config_info")
           .Help("1 for the config version in force (reloads set the one before to 0)")
           .Register(*d->registry_);
  d->config_info_->Add({{"version", config.version}}).Set(1);
  d->config_reloads_ = &prometheus::BuildCounter()
                            .Name("herald_config_reloads_total")
                            .Help(
                                "Config reloads (SIGHUP, AdminService.ReloadConfig), by result: "
                                "applied, unchanged, or refused (the config in force stays)")
                            .Register(*d->registry_);
  spdlog::info("msg=\"config\" version={}", config.version);

  const bool status_outbox = !config.kafka.status_topic.empty();
  const bool on_postgres = config.store.backend == Config::Store::Backend::kPostgres;
  auto store = on_postgres ? OpenPostgres(config.store.postgres, status_outbox)
                           : OpenSqlite(config.store.sqlite, status_outbox);
  if (!store.ok()) return store.status();
  d->store_ = std::move(*store);
  if (on_postgres) {
    spdlog::info("msg=\"store open\" backend=postgres {}",
                 store::postgres::DescribeDsn(config.store.postgres.dsn));
  } else {
    spdlog::info("msg=\"store open\" backend=sqlite path={}", config.store.sqlite.path);
  }
  absl::Status auth = d->StartAuth();
  if (!auth.ok()) return auth;
  d->templates_ = std::make_unique<store::TemplateCatalog>(*d->store_);
  // The pauses in force before the first decision: a pause survives a restart.
  d->pause_watcher_ = std::make_unique<policy::PauseWatcher>(
      *d->store_, d->pauses_, d->clock_, *d->registry_, policy::PauseWatcher::Options{});
  absl::Status pauses = d->pause_watcher_->RunOnce();
  if (!pauses.ok()) return pauses;
  d->decider_ = std::make_unique<policy::Decider>(
      *d->store_, config.policy.rules, d->clock_, *d->registry_,
      policy::Decider::Options{.pauses = &d->pauses_, .config_version = config.version});
  d->intake_ = std::make_unique<ingest::Intake>(
      *d->store_, *d->templates_, *d->decider_, d->clock_,
      ingest::EventLimits{.max_event_bytes = static_cast<size_t>(config.ingest.max_event_bytes),
                          .max_audience = static_cast<size_t>(config.ingest.max_audience),
                          .max_future_skew = std::chrono::duration_cast<std::chrono::seconds>(
                              config.ingest.max_future_skew)},
      *d->registry_, ingest::Intake::Options{.events = d->store_.get()});
  if (config.store.backend == Config::Store::Backend::kPostgres && !config.kafka.topics.empty()) {
    // Several instances: each releases the deferrals of the customers it owns now.
    d->ownership_ = std::make_unique<ingest::PartitionOwnership>(config.kafka.topics.front());
  }
  d->releaser_ = std::make_unique<policy::Releaser>(
      *d->store_, *d->store_, *d->templates_, *d->decider_,
      [](const store::EventRecord& record) -> absl::StatusOr<core::Event> {
        absl::StatusOr<ingest::StoredEvent> stored = ingest::ReadStoredEvent(record);
        if (!stored.ok()) return stored.status();
        return std::move(stored->event);
      },
      d->clock_, *d->registry_,
      policy::Releaser::Options{.max_batch = config.policy.max_batch,
                                .ownership = d->ownership_.get()});
  if (!config.dispatch.unsubscribe_secret.empty()) {
    d->unsubscribe_tokens_ =
        std::make_unique<core::UnsubscribeTokens>(config.dispatch.unsubscribe_secret);
    d->preference_tokens_ =
        std::make_unique<core::PreferenceTokens>(config.dispatch.unsubscribe_secret);
  }
  compose::Composer::Options compose{.default_max_sms_segments = config.compose.max_sms_segments,
                                     .default_time_zone = config.policy.rules.default_time_zone};
  if (!config.dispatch.preferences_base_url.empty()) {
    compose.preferences_url = [tokens = d->preference_tokens_.get(),
                               base = config.dispatch.preferences_base_url,
                               valid_for = config.dispatch.preferences_link_valid_for](
                                  std::string_view customer_id, core::Time now) {
      return core::StrCat(
          base, "/",
          tokens->Issue({.customer_id = std::string(customer_id), .expire_time = now + valid_for}));
    };
  }
  d->composer_ = std::make_unique<compose::Composer>(
      *d->store_, *d->store_, *d->templates_,
      [](const store::EventRecord& record) -> absl::StatusOr<v1::Event> {
        absl::StatusOr<ingest::StoredEvent> stored = ingest::ReadStoredEvent(record);
        if (!stored.ok()) return stored.status();
        return std::move(stored->message);
      },
      std::move(compose));
  absl::Status dispatch = d->StartDispatch();
  if (!dispatch.ok()) return dispatch;
  d->intake_->SetOnRecorded([composer = d->composer_.get(), dispatcher = d->dispatcher_.get(),
                             releaser = d->releaser_.get()](ingest::Recorded recorded) {
    HandOnRecorded(std::move(recorded), *composer, dispatcher, releaser);
  });
  d->releaser_->SetOnQueued([dispatcher = d->dispatcher_.get()] { dispatcher->Wake(); });
  d->releaser_->Start();
  d->pause_watcher_->SetOnReleased([releaser = d->releaser_.get()] { releaser->Wake(); });
  d->pause_watcher_->Start();

  d->receipts_ = std::make_unique<tracking::ReceiptHandler>(
      *d->store_, d->clock_, *d->registry_,
      tracking::ReceiptHandler::Options{
          .generic_secret = config.receipts.generic_secret,
          .twilio_auth_token = config.sms.twilio.auth_token,
          .twilio_public_url = config.receipts.twilio_public_url,
          .replay_window =
              std::chrono::duration_cast<std::chrono::seconds>(config.receipts.replay_window)});
  absl::Status broker = d->StartBroker();
  if (!broker.ok()) return broker;
  absl::Status http = d->StartHttp();
  if (!http.ok()) return http;
  absl::Status grpc = d->StartGrpc();
  if (!grpc.ok()) return grpc;
  absl::Status kafka = d->StartKafka();
  if (!kafka.ok()) return kafka;

  d->LogListeners();
  d->http_->SetReady(true);
  spdlog::info("msg=\"ready\" version={} allocator={}", HERALD_VERSION, Allocator());
  return d;
}

absl::Status Heraldd::StartDispatch() {
  std::map<core::Channel, connectors::Connector*> connectors;
  std::map<core::Channel, dispatch::ChannelPolicy> policies;
  if (config_.email.enabled) {
    auto email = connectors::email::SmtpConnector::Create(config_.email.smtp, clock_);
    if (!email.ok()) return email.status();
    email_ = std::move(*email);
    connectors[core::Channel::kEmail] = email_.get();
    policies[core::Channel::kEmail] = config_.email.dispatch;
    spdlog::info("msg=\"email connector\" url={} from={}", config_.email.smtp.url,
                 config_.email.smtp.from_address);
    if (!config_.email.smtp.verify_peer) {
      spdlog::warn(
          "msg=\"email.verify_peer is false: any certificate is accepted from the SMTP server, "
          "so whoever sits on the path can read the mail (and the password, if set)\"");
    }
  }
  if (config_.sms.enabled) {
    std::unique_ptr<connectors::sms::Provider> provider =
        config_.sms.provider == "twilio"
            ? connectors::sms::MakeTwilioProvider(config_.sms.twilio)
            : connectors::sms::MakeGenericJsonProvider(config_.sms.generic);
    auto sms = connectors::sms::SmsConnector::Create(std::move(provider), config_.sms.http, clock_);
    if (!sms.ok()) return sms.status();
    sms_ = std::move(*sms);
    connectors[core::Channel::kSms] = sms_.get();
    policies[core::Channel::kSms] = config_.sms.dispatch;
    spdlog::info("msg=\"sms connector\" provider={}", config_.sms.provider);
  }
  if (connectors.empty()) {
    spdlog::warn("msg=\"no connectors configured: notifications stay QUEUED\"");
  }
  dispatcher_ = std::make_unique<dispatch::Dispatcher>(
      *store_, *composer_, connectors, policies, clock_, *registry_,
      dispatch::Dispatcher::Options{.max_batch = config_.dispatch.max_batch,
                                    .unsubscribe_base_url = config_.dispatch.unsubscribe_base_url,
                                    .unsubscribe_tokens = unsubscribe_tokens_.get()});
  absl::StatusOr<int> recovered = dispatcher_->Recover();
  if (!recovered.ok()) return recovered.status();
  if (*recovered > 0) {
    spdlog::warn("msg=\"sends in flight at the last stop resolved\" count={}", *recovered);
  }
  dispatcher_->Start();
  if (config_.store.backend == Config::Store::Backend::kPostgres) {
    // Another instance may die holding sends: once their leases run out, this one
    // resolves them (as it did its own predecessor's above).
    const auto every =
        std::max(std::chrono::milliseconds(100), config_.store.postgres.send_lease / 4);
    takeover_ = std::make_unique<core::Worker>(
        "send-takeover",
        [this, every] {
          absl::StatusOr<int> taken = dispatcher_->Recover();
          if (!taken.ok()) {
            spdlog::warn(
                "msg=\"resolving sends whose lease ran out failed; will retry\" "
                "error=\"{}\"",
                taken.status().ToString());
          } else if (*taken > 0) {
            spdlog::warn("msg=\"sends of an instance gone resolved\" count={}", *taken);
          }
          return every;
        },
        core::Worker::Priority::kBackground);
    takeover_->Start();
  }
  const Config::Retention& r = config_.retention;
  retention_ =
      std::make_unique<store::Retention>(*store_, clock_,
                                         store::Retention::Options{.content_after = r.content_after,
                                                                   .records_after = r.records_after,
                                                                   .batch_size = r.batch_size,
                                                                   .interval = r.interval},
                                         *registry_);
  retention_->Start();
  backlog_ = std::make_unique<tracking::BacklogGauges>(*store_, clock_, *registry_);
  backlog_->Start();
  return absl::OkStatus();
}

absl::Status Heraldd::StartBroker() {
  const Config::Kafka& k = config_.kafka;
  std::map<std::string, std::string>& properties = kafka_properties_;
  properties = k.properties;
  if (k.embedded) {
    std::vector<std::string> topics = k.topics;
    if (!k.profiles_topic.empty()) topics.push_back(k.profiles_topic);
    topics.push_back(k.dead_letter_topic);
    if (!k.status_topic.empty()) topics.push_back(k.status_topic);
    if (config_.ingest.fanout_min_audience > 0) topics.push_back(k.fanout_topic);
    auto broker = ingest::EmbeddedBroker::Start(1, topics, k.embedded_partitions);
    if (!broker.ok()) return broker.status();
    broker_ = std::move(*broker);
    properties["bootstrap.servers"] = broker_->bootstrap_servers();
    spdlog::info("msg=\"embedded kafka broker\" bootstrap={} topics={} partitions={}",
                 broker_->bootstrap_servers(), fmt::join(topics, ","), k.embedded_partitions);
  } else {
    properties["bootstrap.servers"] = k.bootstrap_servers;
  }
  return absl::OkStatus();
}

absl::Status Heraldd::StartKafka() {
  const Config::Kafka& k = config_.kafka;
  ingest::ProfileChanges profile_changes{
      .update =
          [this](const v1::UpdateProfileRequest& request, const store::TopicPosition& at) {
            return api::ApplyProfileUpdateFromTopic(*store_, clock_.Now(), request, at).status();
          },
      .remove =
          [this](std::string_view customer_id, const store::TopicPosition& at) {
            return api::ApplyProfileDeletionFromTopic(*store_, customer_id, at).status();
          },
  };
  ingest::ConsumerOptions options;
  options.properties = kafka_properties_;
  options.consumer_properties = k.consumer_properties;
  options.producer_properties = k.producer_properties;
  options.group_id = k.group_id;
  options.topics = k.topics;
  options.profiles_topic = k.profiles_topic;
  options.dead_letter_topic = k.dead_letter_topic;
  if (config_.ingest.fanout_min_audience > 0) {
    std::map<std::string, std::string> producer_properties = options.properties;
    for (const auto& [key, value] : k.producer_properties) producer_properties[key] = value;
    auto fanout = ingest::KafkaFanout::Create(producer_properties, k.fanout_topic);
    if (!fanout.ok()) return fanout.status();
    fanout_ = std::move(*fanout);
    intake_->SetFanout(fanout_.get(), static_cast<size_t>(config_.ingest.fanout_min_audience));
    options.fanout_topic = k.fanout_topic;
    spdlog::info("msg=\"audiences split over the instances\" fanout_topic={} min_audience={}",
                 k.fanout_topic, config_.ingest.fanout_min_audience);
  }
  options.max_batch = k.max_batch;
  options.max_batch_wait = k.max_batch_wait;
  options.backlog = [this] {
    return store_->CountNotifications(
        {core::NotificationState::kPending, core::NotificationState::kQueued});
  };
  options.max_backlog = config_.ingest.max_backlog;
  options.ownership = ownership_.get();
  if (!k.status_topic.empty()) {
    std::map<std::string, std::string> producer_properties = options.properties;
    for (const auto& [key, value] : k.producer_properties) producer_properties[key] = value;
    const tracking::StatusPublisher::Options publisher_options;
    auto producer = ingest::TopicProducer::Create(producer_properties, k.status_topic,
                                                  "status topic", publisher_options.publish_limit);
    if (!producer.ok()) return producer.status();
    status_ = std::make_unique<tracking::StatusPublisher>(
        *store_,
        [producer = std::shared_ptr<ingest::TopicProducer>(std::move(*producer)),
         json = k.status_json](const std::vector<store::StatusChange>& changes,
                               std::chrono::milliseconds limit) -> absl::Status {
          std::vector<ingest::TopicRecord> records;
          records.reserve(changes.size());
          for (const store::StatusChange& c : changes) {
            absl::StatusOr<ingest::TopicRecord> record = StatusRecord(c, json);
            if (!record.ok()) return record.status();
            records.push_back(*std::move(record));
          }
          return producer->Send(records, limit);
        },
        clock_, *registry_, publisher_options);
    status_->Start();
    spdlog::info("msg=\"publishing state changes\" status_topic={} format={}", k.status_topic,
                 k.status_json ? "json" : "protobuf");
  } else {
    absl::StatusOr<std::vector<store::StatusChange>> left = store_->ListStatusOutbox(1);
    if (left.ok() && !left->empty()) {
      spdlog::warn(
          "msg=\"state changes from when kafka.status_topic was set wait in the status outbox; "
          "they are published when it is set again\"");
    }
  }
  auto consumer = ingest::EventConsumer::Start(std::move(options), *intake_,
                                               std::move(profile_changes), clock_, *registry_);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  spdlog::info("msg=\"consuming\" topics={} profiles_topic={} group={} dead_letter_topic={}",
               fmt::join(k.topics, ","), k.profiles_topic, k.group_id, k.dead_letter_topic);
  return absl::OkStatus();
}

void Heraldd::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  spdlog::info("msg=\"shutting down\" grace_ms={}", config_.server.shutdown_grace.count());
  if (http_ != nullptr) http_->SetReady(false);
  if (consumer_ != nullptr) consumer_->Stop();  // intake stops first
  if (grpc_ != nullptr) {
    grpc_->GetHealthCheckService()->Shutdown();  // every service now reports NOT_SERVING
    if (notifications_ != nullptr) notifications_->EndWatches();  // streams end at once
    grpc_->Shutdown(std::chrono::system_clock::now() + config_.server.shutdown_grace);
    grpc_->Wait();
    spdlog::debug("msg=\"grpc stopped\"");
  }
  if (executor_ != nullptr) executor_->Shutdown();
  if (releaser_ != nullptr) releaser_->Stop();  // after the last intake
  if (pause_watcher_ != nullptr) pause_watcher_->Stop();
  if (takeover_ != nullptr) takeover_->Stop();
  if (retention_ != nullptr) retention_->Stop();
  if (dispatcher_ != nullptr) dispatcher_->Stop();  // after the last decision
  if (http_ != nullptr) http_->Stop();              // no receipt changes anything after this
  spdlog::debug("msg=\"http stopped\"");
  dead_letters_.reset();  // after the last call that reads them
  status_.reset();        // publishes what the last state changes left, before the broker goes
  backlog_.reset();
  store_.reset();  // after the last queued write is committed
  consumer_.reset();
  broker_.reset();
  spdlog::info("msg=\"stopped\"");
}

Heraldd::~Heraldd() { Shutdown(); }

}  // namespace herald::heraldd
