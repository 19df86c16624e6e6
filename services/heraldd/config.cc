#include "services/heraldd/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/str_join.h"
#include "services/core/audit.h"
#include "services/core/contact_validation.h"
#include "services/core/event.h"
#include "services/core/strings.h"
#include "services/heraldd/config_reader.h"
#include "services/heraldd/config_reload.h"
#include "services/store/postgres/pg_conn.h"

namespace herald::heraldd {
namespace {

using config_internal::MapReader;
using config_internal::ParseInt;

absl::StatusOr<int> ParseClockTime(std::string_view text) {
  int h = 0;
  int m = 0;
  if (text.size() != 5 || text[2] != ':' || !ParseInt(text.substr(0, 2), h) ||
      !ParseInt(text.substr(3, 2), m) || h > 23 || m > 59) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", text, "\" is not a time of day HH:MM (00:00 to 23:59)"));
  }
  return h * 60 + m;
}

// "21:00-08:00", or "off".
absl::StatusOr<core::QuietHours> ParseQuietHours(std::string_view text) {
  if (text == "off") return core::QuietHours{0, 0};
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", text, "\" is not a window START-END, e.g. 21:00-08:00, or off"));
  }
  absl::StatusOr<int> start = ParseClockTime(text.substr(0, dash));
  if (!start.ok()) return start.status();
  absl::StatusOr<int> end = ParseClockTime(text.substr(dash + 1));
  if (!end.ok()) return end.status();
  return core::QuietHours{*start, *end};
}

// "2/7d": at most 2 per rolling 7 days; "off": no cap.
absl::StatusOr<std::optional<policy::Cap>> ParseCap(std::string_view text) {
  if (text == "off") return std::nullopt;
  const size_t slash = text.find('/');
  int count = 0;
  if (slash == std::string_view::npos || !ParseInt(text.substr(0, slash), count) || count < 1) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", text, "\" is not a cap COUNT/WINDOW, e.g. 2/7d (at least 1), or off"));
  }
  absl::StatusOr<std::chrono::milliseconds> window = ParseDuration(text.substr(slash + 1));
  if (!window.ok()) return window.status();
  if (*window < std::chrono::seconds(1)) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", text, "\": the window must be 1s or more"));
  }
  return policy::Cap{count, std::chrono::duration_cast<std::chrono::seconds>(*window)};
}

absl::StatusOr<core::Category> ParseCategoryName(std::string_view text) {
  auto category = core::ParseCategory(text);
  if (!category) {
    return absl::InvalidArgumentError(core::StrCat(
        "\"", text,
        "\" is not a category: ORDER_UPDATE, SERVICE_UPDATE, REMINDER, SURVEY, INFORMATIONAL, "
        "SECURITY"));
  }
  return *category;
}

absl::StatusOr<core::Channel> ParseChannelName(std::string_view text) {
  auto channel = core::ParseChannel(text);
  if (!channel) {
    return absl::InvalidArgumentError(core::StrCat("\"", text, "\" is not a channel: EMAIL, SMS"));
  }
  return *channel;
}

void ReadChannelPolicy(MapReader& section, dispatch::ChannelPolicy& out) {
  int rate = static_cast<int>(out.rate_per_second);
  section.Get("rate_per_second", rate, 1, 1'000'000);
  out.rate_per_second = rate;
  section.Get("burst", out.burst, 1, 1'000'000);
  section.Get("concurrency", out.concurrency, 1, 1024);
  auto seconds = [&](const std::string& key, std::chrono::seconds& value) {
    std::chrono::milliseconds ms = value;
    section.Get(key, ms);
    value = std::chrono::duration_cast<std::chrono::seconds>(ms);
  };
  seconds("initial_backoff", out.initial_backoff);
  seconds("max_backoff", out.max_backoff);
  seconds("max_age", out.max_age);
  section.Get("breaker_failures", out.breaker_failures, 1, 1'000'000);
  seconds("breaker_open_for", out.breaker_open_for);
  section.Get("resend_after_crash", out.resend_after_crash);
}

// Whether a URL carries credentials in its authority (scheme://user:password@host): they
// would end up in logs and error messages, which quote URLs.
bool HasUserInfo(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::string_view rest = url.substr(scheme + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  return authority.find('@') != std::string_view::npos;
}

void ReadEmail(MapReader& section, Config::Email& out) {
  out.enabled = true;
  connectors::email::SmtpOptions& o = out.smtp;
  section.Get("url", o.url);
  section.GetChoice<connectors::email::StartTls>(
      "starttls", o.starttls,
      {{"off", connectors::email::StartTls::kOff},
       {"opportunistic", connectors::email::StartTls::kOpportunistic},
       {"required", connectors::email::StartTls::kRequired}});
  section.Get("username", o.username);
  section.GetSecret("password", o.password);
  section.Get("ca_file", o.ca_file);
  section.Get("verify_peer", o.verify_peer);
  section.Get("from_address", o.from_address);
  section.Get("from_name", o.from_name);
  section.Get("pool_size", o.pool_size, 1, 256);
  section.Get("connect_timeout", o.connect_timeout);
  section.Get("timeout", o.timeout);
  if (o.url.empty()) section.KeyError("url", "must be set, e.g. smtp://127.0.0.1:2525");
  if (HasUserInfo(o.url)) {
    section.KeyError("url",
                     "must not hold credentials (a URL is logged): set email.username and "
                     "email.password instead");
  }
  if (o.from_address.empty()) {
    section.KeyError("from_address", "must be set, e.g. noreply@bank.example");
  }
  if ((!o.username.empty() || !o.password.empty()) && o.url.starts_with("smtp://") &&
      o.starttls != connectors::email::StartTls::kRequired) {
    section.KeyError("starttls",
                     "must be required when email.username or email.password is set: "
                     "credentials go only over TLS (or use an smtps:// URL)");
  }
  ReadChannelPolicy(section, out.dispatch);
}

// The host of scheme://[user@]host[:port]/..., without brackets around an IPv6 one.
std::string_view UrlHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  authority =
      authority.substr(authority.find('@') == std::string_view::npos ? 0 : authority.find('@') + 1);
  if (authority.starts_with('[')) return authority.substr(1, authority.find(']') - 1);
  return authority.substr(
      0, authority.rfind(':') == std::string_view::npos ? authority.size() : authority.rfind(':'));
}

// A URL credentials go to in clear: http:// to another machine.
bool InClear(std::string_view url) {
  return url.starts_with("http://") && !IsLoopback(UrlHost(url));
}

void ReadSms(MapReader& section, Config::Sms& out) {
  out.enabled = true;
  section.GetChoice<std::string>("provider", out.provider,
                                 {{"generic_json", "generic_json"}, {"twilio", "twilio"}});
  section.Get("url", out.generic.url);
  section.GetSecret("token", out.generic.token);
  section.Get("sender", out.generic.sender);
  section.Get("base_url", out.twilio.base_url);
  section.Get("account_sid", out.twilio.account_sid);
  section.GetSecret("auth_token", out.twilio.auth_token);
  section.Get("from", out.twilio.from);
  section.Get("status_callback", out.twilio.status_callback);
  section.Get("max_in_flight", out.http.max_in_flight, 1, 1024);
  section.Get("connect_timeout", out.http.connect_timeout);
  section.Get("timeout", out.http.timeout);
  section.Get("ca_file", out.http.ca_file);
  if (out.provider == "generic_json" && out.generic.url.empty()) {
    section.KeyError("url", "must be set for the generic_json provider");
  }
  if (HasUserInfo(out.generic.url)) {
    section.KeyError("url", "must not hold credentials (a URL is logged): set sms.token instead");
  }
  if (out.provider == "generic_json" && !out.generic.token.empty() && InClear(out.generic.url)) {
    section.KeyError("url",
                     "is http:// to another machine, so sms.token would cross the network "
                     "in clear: use https://");
  }
  if (out.provider == "twilio" && InClear(out.twilio.base_url)) {
    section.KeyError("base_url",
                     "is http:// to another machine, so the auth token would cross "
                     "the network in clear: use https://");
  }
  if (out.provider == "twilio" &&
      (out.twilio.base_url.empty() || out.twilio.account_sid.empty() || out.twilio.from.empty())) {
    section.KeyError("provider", "twilio needs base_url, account_sid, auth_token and from");
  }
  ReadChannelPolicy(section, out.dispatch);
}

void ReadPolicy(MapReader& section, Config::Policy& out, std::string_view source,
                std::vector<std::string>& errors) {
  policy::PolicyConfig& rules = out.rules;
  section.GetParsed("quiet_hours", rules.default_quiet_hours, ParseQuietHours);
  section.GetParsed("default_time_zone", rules.default_time_zone,
                    [](const std::string& text) { return core::NormalizeTimeZone(text); });
  section.GetList("default_channels", rules.default_channels, ParseChannelName);
  std::chrono::milliseconds cooldown = rules.complaint_cooldown;
  section.Get("complaint_cooldown", cooldown);
  rules.complaint_cooldown = std::chrono::duration_cast<std::chrono::seconds>(cooldown);
  section.GetList("complaint_categories", rules.complaint_categories, ParseCategoryName);
  std::chrono::milliseconds duplicates = rules.duplicate_window;
  section.Get("duplicate_window", duplicates);
  rules.duplicate_window = std::chrono::duration_cast<std::chrono::seconds>(duplicates);
  section.GetList("repeatable_event_types", rules.repeatable_event_types,
                  [](const std::string& type) -> absl::StatusOr<std::string> {
                    if (!core::IsKnownEventType(type)) {
                      return absl::InvalidArgumentError(
                          core::StrCat("\"", type, "\" is not a known event type"));
                    }
                    return type;
                  });
  section.GetParsed("global_cap", rules.global_cap, ParseCap);
  section.Get("max_batch", out.max_batch, 1, 100'000);
  for (auto& [name, entry] : section.Entries("categories")) {
    absl::StatusOr<core::Category> category = ParseCategoryName(name);
    if (!category.ok()) {
      errors.push_back(core::StrCat(source, ": policy.categories.", name, ": ",
                                    core::ToStd(category.status().message())));
      continue;
    }
    policy::CategoryPolicy& c = rules.categories[*category];
    entry.GetChoice<bool>("consent", c.consent_by_default, {{"opt_out", true}, {"opt_in", false}});
    entry.GetParsed("cap", c.cap, ParseCap);
    entry.GetChoice<policy::OverCap>(
        "over_cap", c.over_cap,
        {{"defer", policy::OverCap::kDefer}, {"drop", policy::OverCap::kDrop}});
    if (*category == core::Category::kSecurity && c.cap) {
      entry.KeyError("cap", "SECURITY is never capped; remove the cap");
    }
    entry.Finish();
  }
  if (rules.default_channels.empty()) {
    section.KeyError("default_channels", "must name at least one channel");
  }
  section.Finish();
}

}  // namespace

std::string ListenAddress::ToString() const {
  if (host.find(':') != std::string::npos) return core::StrCat("[", host, "]:", port);
  return core::StrCat(host, ":", port);
}

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  static const std::pair<std::string_view, std::chrono::milliseconds> kUnits[] = {
      {"ms", std::chrono::milliseconds(1)}, {"s", std::chrono::seconds(1)},
      {"m", std::chrono::minutes(1)},       {"h", std::chrono::hours(1)},
      {"d", std::chrono::hours(24)},
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  int64_t amount = 0;
  if (digits == 0 || digits > 12 || !ParseInt(text.substr(0, digits), amount)) {
    return absl::InvalidArgumentError(core::StrCat(
        "\"", text,
        "\" is not a duration: a whole number and a unit, e.g. 250ms, 10s, 5m, 2h, 14d"));
  }
  for (const auto& [name, size] : kUnits) {
    if (unit == name) return size * amount;
  }
  return absl::InvalidArgumentError(
      core::StrCat("\"", text, "\" needs a unit: ms, s, m, h or d (e.g. ", amount, "s)"));
}

absl::StatusOr<Config> ParseConfig(std::string_view yaml, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(core::StrCat(source, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": not valid YAML: ", e.msg));
  }
  Config config;
  std::vector<std::string> errors;
  MapReader top(root, "", source, errors);
  {
    MapReader server = top.Section("server");
    config_internal::ReadServer(server, config.server, source, errors);
  }
  {
    MapReader store = top.Section("store");
    store.GetChoice<Config::Store::Backend>("backend", config.store.backend,
                                            {{"sqlite", Config::Store::Backend::kSqlite},
                                             {"postgres", Config::Store::Backend::kPostgres}});
    MapReader sqlite = store.Section("sqlite");
    Config::Sqlite& s = config.store.sqlite;
    sqlite.Get("path", s.path);
    sqlite.Get("busy_timeout", s.busy_timeout);
    sqlite.GetChoice<bool>("synchronous", s.synchronous_full, {{"full", true}, {"normal", false}});
    sqlite.Get("max_batch", s.max_batch, 1, 100'000);
    sqlite.Finish();
    MapReader postgres = store.Section("postgres");
    Config::Postgres& pg = config.store.postgres;
    postgres.Get("dsn", pg.dsn);
    postgres.Get("password_file", pg.password_file);
    postgres.GetSecret("password", pg.password);
    postgres.Get("pool_size", pg.pool_size, 1, 1000);
    postgres.Get("statement_timeout", pg.statement_timeout);
    postgres.Get("send_lease", pg.send_lease);
    postgres.Get("instance", pg.instance);
    postgres.Finish();
    store.Finish();
    if (s.path.empty())
      errors.push_back(core::StrCat(source, ": store.sqlite.path: must not be empty"));
    if (config.store.backend == Config::Store::Backend::kPostgres) {
      if (pg.dsn.empty()) {
        errors.push_back(
            core::StrCat(source,
                         ": store.postgres.dsn: must be set when store.backend is postgres, e.g. "
                         "\"host=db.internal dbname=herald user=herald sslmode=verify-full\""));
      } else if (absl::Status valid = store::postgres::CheckDsn(pg.dsn); !valid.ok()) {
        errors.push_back(core::StrCat(source, ": store.postgres.dsn: ", valid.message()));
      }
    }
  }
  {
    MapReader kafka = top.Section("kafka");
    Config::Kafka& k = config.kafka;
    kafka.Get("embedded", k.embedded);
    kafka.Get("embedded_partitions", k.embedded_partitions, 1, 1024);
    kafka.Get("bootstrap_servers", k.bootstrap_servers);
    kafka.Get("group_id", k.group_id);
    kafka.Get("topics", k.topics);
    kafka.Get("profiles_topic", k.profiles_topic);
    kafka.Get("dead_letter_topic", k.dead_letter_topic);
    kafka.Get("fanout_topic", k.fanout_topic);
    kafka.Get("status_topic", k.status_topic);
    kafka.GetChoice<bool>("status_format", k.status_json, {{"protobuf", false}, {"json", true}});
    kafka.Get("max_batch", k.max_batch, 1, 100'000);
    kafka.Get("max_batch_wait", k.max_batch_wait);
    kafka.Get("properties", k.properties);
    kafka.Get("consumer_properties", k.consumer_properties);
    kafka.Get("producer_properties", k.producer_properties);
    kafka.Finish();
    if (!k.embedded && k.bootstrap_servers.empty()) {
      errors.push_back(core::StrCat(source,
                                    ": kafka.bootstrap_servers: must be set when kafka.embedded "
                                    "is false (e.g. broker1:9092,broker2:9092)"));
    }
    if (k.topics.empty())
      errors.push_back(core::StrCat(source, ": kafka.topics: must not be empty"));
    if (!k.status_topic.empty() &&
        (std::find(k.topics.begin(), k.topics.end(), k.status_topic) != k.topics.end() ||
         k.status_topic == k.profiles_topic || k.status_topic == k.dead_letter_topic)) {
      errors.push_back(core::StrCat(source, ": kafka.status_topic: ", k.status_topic,
                                    " is also consumed or the dead-letter topic; give it its own"));
    }
    for (const auto& [section, map] : {std::pair{"properties", &k.properties},
                                       std::pair{"consumer_properties", &k.consumer_properties},
                                       std::pair{"producer_properties", &k.producer_properties}}) {
      for (const char* owned : {"bootstrap.servers", "group.id", "enable.auto.offset.store"}) {
        if (map->contains(owned)) {
          errors.push_back(core::StrCat(source, ": kafka.", section, ".", owned,
                                        ": set by heraldd; use the kafka section's own keys"));
        }
      }
    }
  }
  {
    MapReader ingest = top.Section("ingest");
    ingest.Get("max_event_bytes", config.ingest.max_event_bytes, 1024, 64 * 1024 * 1024);
    ingest.Get("max_audience", config.ingest.max_audience, 1, 10'000'000);
    ingest.Get("fanout_min_audience", config.ingest.fanout_min_audience, 0, 10'000'000);
    ingest.Get("max_future_skew", config.ingest.max_future_skew);
    ingest.Get("max_backlog", config.ingest.max_backlog, 0, 1'000'000'000);
    ingest.Finish();
  }
  {
    MapReader policy = top.Section("policy");
    ReadPolicy(policy, config.policy, source, errors);
  }
  if (top.Has("email")) {
    MapReader email = top.Section("email");
    ReadEmail(email, config.email);
    email.Finish();
  }
  if (top.Has("sms")) {
    MapReader sms = top.Section("sms");
    ReadSms(sms, config.sms);
    sms.Finish();
  }
  {
    MapReader dispatch = top.Section("dispatch");
    dispatch.Get("max_batch", config.dispatch.max_batch, 1, 100'000);
    dispatch.Get("unsubscribe_base_url", config.dispatch.unsubscribe_base_url);
    dispatch.GetSecret("unsubscribe_secret", config.dispatch.unsubscribe_secret);
    dispatch.Get("preferences_base_url", config.dispatch.preferences_base_url);
    dispatch.Get("preferences_link_valid_for", config.dispatch.preferences_link_valid_for);
    for (const auto& [key, url] :
         {std::pair<const char*, const std::string*>{"unsubscribe_base_url",
                                                     &config.dispatch.unsubscribe_base_url},
          {"preferences_base_url", &config.dispatch.preferences_base_url}}) {
      if (!url->empty() && config.dispatch.unsubscribe_secret.size() < 16) {
        dispatch.KeyError("unsubscribe_secret",
                          core::StrCat("must be set (16 characters or more) with ", key,
                                       ": the links are signed with it"));
        break;
      }
      if (!url->empty() && !url->starts_with("https://") && !url->starts_with("http://")) {
        dispatch.KeyError(key, core::StrCat("must be an http(s) URL, not \"", *url, "\""));
      }
    }
    if (config.dispatch.preferences_link_valid_for < std::chrono::hours(1)) {
      dispatch.KeyError("preferences_link_valid_for",
                        "must be 1h or more: a customer reads a message later than it is sent");
    }
    dispatch.Finish();
  }
  {
    MapReader receipts = top.Section("receipts");
    receipts.GetSecret("generic_secret", config.receipts.generic_secret);
    receipts.Get("twilio_public_url", config.receipts.twilio_public_url);
    receipts.Get("replay_window", config.receipts.replay_window);
    receipts.Finish();
  }
  {
    MapReader retention = top.Section("retention");
    retention.Get("content_after", config.retention.content_after);
    retention.Get("records_after", config.retention.records_after);
    retention.Get("batch_size", config.retention.batch_size, 1, 100'000);
    retention.Get("interval", config.retention.interval);
    const auto& r = config.retention;
    if (r.content_after.count() > 0 && r.records_after.count() > 0 &&
        r.records_after < r.content_after) {
      retention.KeyError("records_after",
                         "must not be shorter than content_after (a notification's content goes "
                         "before its record)");
    }
    if (r.interval.count() <= 0) retention.KeyError("interval", "must be positive");
    retention.Finish();
  }
  {
    MapReader auth = top.Section("auth");
    config_internal::ReadAuth(auth, config.auth);
  }
  {
    MapReader compose = top.Section("compose");
    compose.Get("max_sms_segments", config.compose.max_sms_segments, 1, 10);
    compose.Finish();
  }
  {
    MapReader log = top.Section("log");
    log.GetChoice<spdlog::level::level_enum>("level", config.log.level,
                                             {{"trace", spdlog::level::trace},
                                              {"debug", spdlog::level::debug},
                                              {"info", spdlog::level::info},
                                              {"warn", spdlog::level::warn},
                                              {"error", spdlog::level::err},
                                              {"off", spdlog::level::off}});
    log.Get("mask_contact_data", config.log.mask_contact_data);
    log.GetChoice<bool>("format", config.log.json, {{"logfmt", false}, {"json", true}});
    log.Finish();
  }
  top.Finish();
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  config.digest = core::Sha256Hex(yaml);
  config.version = config.digest.substr(0, 12);
  SplitConfig(root, config.fixed_parts, config.reloadable_parts);
  return config;
}

absl::StatusOr<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(core::StrCat(path, ": cannot open the config file"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Config> config = ParseConfig(text.str(), path);
  if (config.ok()) config->source_path = path;
  return config;
}

}  // namespace herald::heraldd
