// herald-bench: what heraldd does on this machine, against the raw Kafka consume rate
// of the same messages in the same run. It starts an embedded broker, loads customer
// profiles (through the profiles topic) and the example templates, offers events at a
// fixed rate to a heraldd with an SMS connector and times each from its produce call
// to the SMS provider's door (p50/p95/p99), then produces N mixed
// order, service and fraud events (protobuf, keyed by customer), reads them back with
// a plain librdkafka consumer, then lets a heraldd process consume them and times it
// from the first event recorded to the last notification decided and durable; then
// one outage event addressing every customer, timed until all are decided; last, the
// store's own ceiling (bare rows of the same size into the same kind of database). With
// --instances N (PostgreSQL), N heraldd in one consumer group share the events and split
// the outage between them. The report is JSON (stdout, or --out). Loopback only.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "services/ingest/embedded_broker.h"
#include "tests/support/metrics_text.h"
#include "tests/support/postgres_server.h"
#include "tools/bench/common.h"
#include "tools/bench/connector_rates.h"
#include "tools/bench/kafka.h"
#include "tools/bench/processes.h"
#include "tools/bench/sinks.h"
#include "tools/bench/sms_sink.h"
#include "tools/bench/store_ceiling.h"
#include "tools/bench/workload.h"

namespace herald::bench {
namespace {

// heraldd's default kafka.max_batch: events (and so notifications) a transaction.
constexpr int kKafkaMaxBatch = 5000;

std::string Join(const std::vector<double>& values) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(0);
  for (size_t i = 0; i < values.size(); ++i) out << (i == 0 ? "" : ", ") << values[i];
  return out.str();
}

}  // namespace

int Main(int argc, char** argv) {
  const std::filesystem::path self = std::filesystem::canonical("/proc/self/exe");
  const std::filesystem::path build = self.parent_path().parent_path().parent_path();
  int events = 100'000;
  int customers = 100'000;
  int partitions = 16;
  int latency_partitions = 4;
  std::string heraldd_path = (build / "services/heraldd/heraldd").string();
  std::string heraldctl_path = (build / "tools/heraldctl/heraldctl").string();
  std::string templates = HERALD_SOURCE_DIR "/deploy/templates";
  std::string out;
  int rate = 10'000;
  double latency_seconds = 3;
  bool keep = false;
  CLI::App app{"herald-bench: heraldd's pipeline against the raw Kafka consume rate"};
  app.add_option("--events", events, "Events to produce")->capture_default_str();
  app.add_option("--customers", customers, "Customer profiles to load")->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions per topic")->capture_default_str();
  app.add_option("--latency-partitions", latency_partitions,
                 "Partitions of the topic the latency is measured on")
      ->capture_default_str();
  app.add_option("--heraldd", heraldd_path, "heraldd binary")->capture_default_str();
  app.add_option("--heraldctl", heraldctl_path, "heraldctl binary")->capture_default_str();
  app.add_option("--templates", templates, "Templates to apply")->capture_default_str();
  app.add_option("--rate", rate, "Events per second offered for the latency")
      ->capture_default_str();
  app.add_option("--latency-seconds", latency_seconds, "How long that rate is offered")
      ->capture_default_str();
  app.add_option("--out", out, "Write the JSON report here (default: stdout)");
  std::string latency_trace;
  app.add_option("--latency-trace", latency_trace,
                 "Write each timed event's produce time (ms from the first) and latency (ms) "
                 "here, as CSV");
  std::string store_kind = "sqlite";
  app.add_option("--store", store_kind,
                 "sqlite, or postgres (a PostgreSQL 15 server of its own, fsync on)")
      ->check(CLI::IsMember({"sqlite", "postgres"}))
      ->capture_default_str();
  int instances = 1;
  app.add_option("--instances", instances,
                 "heraldd processes in one consumer group for the pipeline and the outage "
                 "(more than one: --store postgres)")
      ->capture_default_str();
  app.add_flag("--keep", keep, "Keep the working directory");
  CLI11_PARSE(app, argc, argv);
  if (events < 1 || customers < 1) Fail("--events and --customers must be at least 1");
  if (instances < 1) Fail("--instances must be at least 1");
  if (instances > 1 && store_kind != "postgres") {
    Fail("--instances " + std::to_string(instances) +
         ": several instances share one store only on PostgreSQL (--store postgres); a SQLite "
         "file is one instance's");
  }

  char dir_template[] = "/tmp/herald-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Fail("cannot make a working directory");
  const std::string dir = dir_template;

  // PostgreSQL: a server of its own for the run, durable as in production.
  std::unique_ptr<testing::PostgresServer> postgres;
  std::string pipeline_dsn;
  if (store_kind == "postgres") {
    auto server = testing::PostgresServer::Start({.fsync = true});
    if (!server.ok()) Fail(server.status().ToString());
    postgres = *std::move(server);
    auto dsn = postgres->CreateDatabase();
    if (!dsn.ok()) Fail(dsn.status().ToString());
    pipeline_dsn = *dsn;
  }
  const std::string store_yaml =
      store_kind == "postgres"
          ? "store: {backend: postgres, postgres: {dsn: \"" + pipeline_dsn + "\"}}\n"
          : "store: {sqlite: {path: " + dir + "/herald.db}}\n";

  const std::vector<std::string> event_topics = {"herald.orders", "herald.service", "herald.fraud"};
  auto broker = ingest::EmbeddedBroker::Start(
      1,
      {"herald.orders", "herald.service", "herald.fraud", "herald.profiles", "herald.dlq",
       "herald.delivery-status", "herald.bench-idle", "herald.fanout"},
      partitions);
  if (!broker.ok()) Fail(broker.status().ToString());
  // The latency topic has fewer partitions: the mock broker finds a fetch's offset by
  // walking the partition's message sets from the first (a real broker has an index),
  // and at 16 partitions each message is a set of its own, so that walk took the
  // broker more CPU than heraldd's intake on this shared machine.
  if (rd_kafka_mock_topic_create((*broker)->cluster(), "herald.latency", latency_partitions, 1) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    Fail("cannot create the topic herald.latency");
  }
  const std::string bootstrap = (*broker)->bootstrap_servers();

  // Each stage's heraldd in a group of its own (the instances of the run share one): the
  // mock cluster takes tens of seconds to let a new member into a group another one
  // just left. Only the first reads the profiles topic; the others would apply every
  // profile again before the events. Several instances split audiences of 1,000 or
  // more over the group.
  // Every instance shares one admin key; heraldctl calls with it.
  const std::string token_file = dir + "/admin.token";
  auto config = [&](const std::string& name, const std::string& topics,
                    const std::string& extra = "", const std::string& group = "") {
    const std::string profiles_topic = name == "setup" ? "herald.profiles" : "";
    const std::string path = dir + "/" + name + ".yaml";
    std::ofstream yaml(path);
    yaml << extra;
    yaml << "server: {grpc_listen: 127.0.0.1:0, http_listen: 127.0.0.1:0, public: {listen: "
            "127.0.0.1:0}}\n"
         << "auth: {admin_token_file: " << token_file << "}\n"
         << store_yaml << "kafka: {embedded: false, bootstrap_servers: \"" << bootstrap
         << "\", group_id: " << (group.empty() ? "heraldd-" + name : group) << ", topics: ["
         << topics << "], profiles_topic: \"" << profiles_topic << "\"}\n"
         << "ingest: {max_backlog: 0, max_event_bytes: 16777216"
         << (instances > 1 ? ", fanout_min_audience: 1000" : "") << "}\n"
         << "policy: {quiet_hours: \"off\", global_cap: \"off\"}\n";
    return path;
  };

  // 1. Profiles and templates, with heraldd reading only the profiles topic.
  std::cerr << "herald-bench: loading " << customers << " profiles and the templates\n";
  double profiles_seconds = 0;
  {
    Heraldd heraldd(heraldd_path, config("setup", "herald.bench-idle"), dir + "/setup.log");
    Child apply({heraldctl_path, "-a", heraldd.grpc(), "--token-file", token_file, "template",
                 "apply", templates},
                dir + "/apply.log");
    if (apply.Wait() != 0) Fail("template apply failed:\n" + apply.Log());
    std::vector<Message> profiles;
    profiles.reserve(customers);
    for (int i = 0; i < customers; ++i) profiles.push_back(Profile(i));
    const auto start = Clock::now();
    Produce(bootstrap, profiles);
    WaitUntil(
        [&] {
          if (heraldd.Metric("herald_dead_letters_total") > 0) {
            Fail("heraldd refused a profile:\n" + heraldd.child().Log());
          }
          return heraldd.Metric("herald_profile_changes_total", "result=\"applied\"") >= customers;
        },
        std::chrono::minutes(30), "the profiles");
    profiles_seconds = Seconds(Clock::now() - start);
    if (heraldd.child().Stop() != 0) Fail("heraldd (setup) did not stop cleanly");
  }

  // Connectors on their own.
  std::cerr << "herald-bench: the SMS connector into a local provider\n";
  const int sms_count = std::min(20'000, std::max(200, events));
  const double sms_rate = SmsConnectorRate(sms_count, 32);
  std::cerr << "herald-bench: the email connector and a bare libcurl loop into smtp-sink\n";
  const int email_count = std::min(20'000, std::max(200, events / 5));
  double email_rate = 0;
  double bare_email_rate = 0;
  {
    SmtpSink smtp_sink(dir + "/smtp-sink.log");
    // Each twice, alternating, and the better of each: the machine is noisy.
    for (int round = 0; round < 2; ++round) {
      bare_email_rate =
          std::max(bare_email_rate, BareCurlEmailRate(smtp_sink.url(), email_count, 8));
      email_rate = std::max(email_rate, EmailConnectorRate(smtp_sink.url(), email_count, 8));
    }
  }

  // 2. Latency at a fixed offered rate, from the produce call to the SMS provider's
  // door, for customers whose first channel is SMS (the even ones).
  const int latency_events = std::max(1, static_cast<int>(rate * latency_seconds));
  std::cerr << "herald-bench: " << latency_events << " events at " << rate
            << "/s to an SMS provider\n";
  std::vector<double> latencies_ms;
  double latency_delivered = 0;
  std::map<std::string, double> stage_ms;  // from heraldd's histograms
  {
    SmsSink sink;
    Heraldd heraldd(heraldd_path,
                    config("latency", "herald.latency",
                           "sms: {provider: generic_json, url: \"" + sink.url() +
                               "\", token: bench, rate_per_second: 1000000, burst: 1000000, "
                               "concurrency: 128, max_in_flight: 128}\n"
                               "dispatch: {max_batch: 1000}\n"),
                    dir + "/latency.log");
    // Offered once heraldd consumes: the group's first rebalance is not latency.
    heraldd.child().WaitFor("msg=\"partitions assigned\"", std::chrono::seconds(60));
    std::unique_ptr<RdKafka::Producer> producer = NewProducer(bootstrap, "1");
    const auto wall = std::chrono::system_clock::now();
    const std::string now_iso = Iso(wall);
    const std::string tomorrow_iso = Iso(wall + std::chrono::hours(24));
    // By notification (hashed: this loop paces the events and should cost little).
    std::unordered_map<std::string, std::chrono::system_clock::time_point> produced;
    produced.reserve(static_cast<size_t>(latency_events) + 1);
    // One event first, until it reaches the provider: the consumer's first fetch and the
    // first connection are start-up, not latency. Even customers prefer SMS; the timed
    // events start from the first of them, this one goes to the last.
    const int even = std::max(1, customers / 2);
    Message warm_up = Event(0, 2 * (even - 1), now_iso, tomorrow_iso, "warm-");
    warm_up.topic = "herald.latency";
    Send(*producer, warm_up);
    producer->flush(60'000);
    WaitUntil([&] { return sink.count() >= 1; }, std::chrono::minutes(2), "the warm-up SMS");
    // Built beforehand: the producing applications run elsewhere, and encoding here
    // would take CPU from heraldd on this machine.
    std::vector<Message> timed;
    timed.reserve(latency_events);
    for (int n = 0; n < latency_events; ++n) {
      timed.push_back(Event(n, 2 * (n % even), now_iso, tomorrow_iso, "lat-"));
      timed.back().topic = "herald.latency";
    }
    const double warm_up_decisions = heraldd.Metric("herald_decisions_total");
    const auto start = Clock::now();
    for (int n = 0; n < latency_events; ++n) {
      // Paced: event n goes at start + n / rate.
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(n) / rate));
      // Slept, not spun: the producing applications run elsewhere, and a spinning
      // loop here would take one of the machine's cores from heraldd.
      if (Clock::now() < due) {
        producer->poll(0);
        std::this_thread::sleep_until(start +
                                      std::chrono::ceil<std::chrono::milliseconds>(due - start));
      }
      const Message& m = timed[n];
      produced[m.notification_id] = std::chrono::system_clock::now();
      Send(*producer, m);
    }
    producer->flush(60'000);
    // Every event decided, then every notification let through at the provider (a cap
    // may defer some; those are not waited for).
    WaitUntil(
        [&] {
          return heraldd.Metric("herald_decisions_total") >=
                 warm_up_decisions + static_cast<double>(produced.size());
        },
        std::chrono::minutes(30), "every decision");
    const double to_send = heraldd.Metric("herald_decisions_total", "outcome=\"SEND\"");
    WaitUntil([&] { return static_cast<double>(sink.count()) >= to_send; },
              std::chrono::minutes(30), "every SMS at the provider");
    std::ofstream trace;
    if (!latency_trace.empty()) {
      trace.open(latency_trace);
      trace << "produced_ms,latency_ms\n";
    }
    const auto first = std::min_element(produced.begin(), produced.end(), [](auto& a, auto& b) {
                         return a.second < b.second;
                       })->second;
    for (const auto& [id, at] : sink.arrived()) {
      auto it = produced.find(id);
      if (it == produced.end()) continue;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(at - it->second).count());
      if (trace.is_open()) {
        trace << std::chrono::duration<double, std::milli>(it->second - first).count() << ","
              << latencies_ms.back() << "\n";
      }
    }
    latency_delivered = static_cast<double>(latencies_ms.size());
    const std::string metrics = heraldd.Metrics();
    for (const char* q : {"0.5", "0.99"}) {
      stage_ms["append_to_decision_p" + std::string(q == std::string("0.5") ? "50" : "99")] =
          1000 * testing::HistogramQuantile(metrics, "herald_append_to_decision_seconds",
                                            "channel=\"SMS\"", std::stod(q));
      stage_ms["decision_to_hand_off_p" + std::string(q == std::string("0.5") ? "50" : "99")] =
          1000 * testing::HistogramQuantile(metrics, "herald_decision_to_hand_off_seconds",
                                            "channel=\"SMS\"", std::stod(q));
    }
    if (heraldd.child().Stop() != 0) Fail("heraldd (latency) did not stop cleanly");
  }

  // 3. The events, on the broker before heraldd reads them.
  std::cerr << "herald-bench: producing " << events << " events\n";
  const auto now = std::chrono::system_clock::now();
  const std::string now_iso = Iso(now);
  const std::string tomorrow_iso = Iso(now + std::chrono::hours(24));
  std::vector<Message> batch;
  batch.reserve(events);
  size_t bytes = 0;
  for (int n = 0; n < events; ++n) {
    batch.push_back(Event(n, n % customers, now_iso, tomorrow_iso));
    bytes += batch.back().value.size();
  }
  const double produce_seconds = Produce(bootstrap, batch);
  batch.clear();
  batch.shrink_to_fit();

  // 4. The raw consume rate of the same messages.
  std::cerr << "herald-bench: reading them with a plain consumer\n";
  const double raw_rate = RawConsumeRate(bootstrap, event_topics, events);

  // 5. heraldd consumes them: from the first recorded to the last decided.
  std::cerr << "herald-bench: heraldd's pipeline (" << instances << " instance"
            << (instances == 1 ? "" : "s") << ")\n";
  std::vector<std::unique_ptr<Heraldd>> group;
  for (int i = 0; i < instances; ++i) {
    const std::string name = instances == 1 ? "run" : "run-" + std::to_string(i);
    group.push_back(std::make_unique<Heraldd>(
        heraldd_path,
        config(name, "herald.orders, herald.service, herald.fraud", "", "heraldd-run"),
        dir + "/" + name + ".log"));
  }
  Heraldd& heraldd = *group.front();  // takes the outage
  // A metric summed over the group.
  auto metric = [&](const std::string& name, const std::string& labels = "") {
    double sum = 0;
    for (const auto& instance : group) sum += instance->Metric(name, labels);
    return sum;
  };
  Clock::time_point first;
  WaitUntil([&] { return metric("herald_events_total", "recorded") > 0; }, std::chrono::minutes(2),
            "the first event");
  first = Clock::now();
  Clock::time_point recorded_at;
  double created = 0;
  WaitUntil(
      [&] {
        if (metric("herald_dead_letters_total") > 0) {
          Fail("heraldd refused an event:\n" + heraldd.child().Log());
        }
        if (metric("herald_events_total", "recorded") < events) return false;
        if (recorded_at == Clock::time_point()) {
          recorded_at = Clock::now();
          created = metric("herald_notifications_created_total");
        }
        return metric("herald_decisions_total") >= created;
      },
      std::chrono::minutes(60), "every decision");
  const Clock::time_point decided_at = Clock::now();
  const double send = metric("herald_decisions_total", "outcome=\"SEND\"");
  std::vector<double> decided_by;  // each instance's share
  for (const auto& instance : group)
    decided_by.push_back(instance->Metric("herald_decisions_total"));

  // 6. Fan-out: one outage for every customer, over gRPC (one message of ~12 bytes per
  // customer would pass Kafka's default message size), until all are decided.
  std::cerr << "herald-bench: one outage for " << customers << " customers\n";
  const std::string outage = dir + "/outage.json";
  {
    std::ofstream json(outage);
    json << R"({"event_id": "bench-outage", "event_type": "service.outage_started", )"
         << R"("occur_time": ")" << now_iso
         << R"(", "source": "noc", "audience": {"customer_ids": [)";
    for (int i = 0; i < customers; ++i) json << (i == 0 ? "" : ",") << "\"cust-" << i << "\"";
    json << R"(]}, "service": {"outage": {"incident_id": "INC-1", "service_name": "Internet )"
         << R"(banking", "area": "Utrecht", "start_time": ")" << now_iso
         << R"(", "estimated_end_time": ")" << tomorrow_iso << R"("}}})"
         << "\n";
  }
  const double decided_before = metric("herald_decisions_total");
  const auto fanout_start = Clock::now();
  Child publish({heraldctl_path, "-a", heraldd.grpc(), "--token-file", token_file, "--timeout",
                 "600", "event", "publish", "--file", outage},
                dir + "/publish.log");
  if (publish.Wait() != 0) Fail("publishing the outage failed:\n" + publish.Log());
  WaitUntil([&] { return metric("herald_decisions_total") >= decided_before + customers; },
            std::chrono::minutes(30), "the outage's decisions");
  const double fanout_seconds = Seconds(Clock::now() - fanout_start);

  long peak_rss_kib = 0;  // of the largest instance
  int stopped = 0;
  const std::string allocator = heraldd.allocator();
  for (const auto& instance : group)
    peak_rss_kib = std::max(peak_rss_kib, instance->child().PeakRssKib());
  for (const auto& instance : group) stopped = std::max(stopped, instance->child().Stop());

  // 7. The store's own ceiling: as many bare rows as the pipeline wrote notifications,
  // each as large as one notification is in its database, written the same way.
  std::cerr << "herald-bench: the store's ceiling\n";
  StoreCeiling ceiling;
  if (postgres != nullptr) {
    auto bare = postgres->CreateDatabase();
    if (!bare.ok()) Fail(bare.status().ToString());
    ceiling =
        MeasurePostgresCeiling(pipeline_dsn, *bare, static_cast<int64_t>(created), kKafkaMaxBatch);
  } else {
    ceiling =
        MeasureStoreCeiling(dir + "/herald.db", dir, static_cast<int64_t>(created), kKafkaMaxBatch);
  }

  const double recorded_rate = events / std::max(Seconds(recorded_at - first), 1e-6);
  const double decided_rate = events / std::max(Seconds(decided_at - first), 1e-6);
  std::ostringstream report;
  report << std::fixed << std::setprecision(1);
  report << "{\n"
         << "  \"machine\": {\"cpus\": " << std::thread::hardware_concurrency() << ", \"model\": \""
         << MachineModel() << "\"},\n"
         << "  \"store\": \"" << store_kind << "\",\n"
         << "  \"instances\": " << instances << ",\n"
         << "  \"events\": " << events << ",\n"
         << "  \"customers\": " << customers << ",\n"
         << "  \"partitions\": " << partitions << ",\n"
         << "  \"event_bytes_avg\": " << bytes / events << ",\n"
         << "  \"profiles_loaded_per_second\": " << customers / profiles_seconds << ",\n"
         << "  \"produced_per_second\": " << events / produce_seconds << ",\n"
         << "  \"raw_consume_per_second\": " << raw_rate << ",\n"
         << "  \"notifications\": " << static_cast<long long>(created) << ",\n"
         << "  \"notifications_send\": " << static_cast<long long>(send) << ",\n"
         << "  \"pipeline_recorded_per_second\": " << recorded_rate << ",\n"
         << "  \"pipeline_decided_per_second\": " << decided_rate << ",\n"
         << "  \"pipeline_decided_by_instance\": [" << Join(decided_by) << "],\n"
         << "  \"decided_to_raw_ratio\": " << std::setprecision(5) << decided_rate / raw_rate
         << std::setprecision(1) << ",\n"
         << "  \"store_ceiling_rows_per_second\": " << ceiling.rows_per_second << ",\n"
         << "  \"store_ceiling_row_bytes\": " << ceiling.row_bytes << ",\n"
         << "  \"decided_to_store_ceiling_ratio\": " << std::setprecision(3)
         << decided_rate / std::max(ceiling.rows_per_second, 1e-9) << std::setprecision(1) << ",\n"
         << "  \"sms_connector_per_second\": " << sms_rate << ",\n"
         << "  \"email_connector_per_second\": " << email_rate << ",\n"
         << "  \"email_bare_libcurl_per_second\": " << bare_email_rate << ",\n"
         << "  \"email_connector_to_bare_ratio\": " << std::setprecision(3)
         << email_rate / std::max(bare_email_rate, 1e-9) << std::setprecision(1) << ",\n"
         << "  \"latency_offered_per_second\": " << rate << ",\n"
         << "  \"latency_events\": " << static_cast<long long>(latency_delivered) << ",\n"
         << "  \"latency_ms\": {\"p50\": " << Percentile(latencies_ms, 0.50)
         << ", \"p95\": " << Percentile(latencies_ms, 0.95)
         << ", \"p99\": " << Percentile(latencies_ms, 0.99)
         << ", \"max\": " << Percentile(latencies_ms, 1.0) << "},\n"
         << "  \"latency_stages_ms\": {";
  for (auto it = stage_ms.begin(); it != stage_ms.end(); ++it) {
    report << (it == stage_ms.begin() ? "" : ", ") << "\"" << it->first << "\": " << it->second;
  }
  report << "},\n"
         << "  \"fanout_customers\": " << customers << ",\n"
         << "  \"fanout_decided_seconds\": " << std::setprecision(3) << fanout_seconds
         << std::setprecision(1) << ",\n"
         << "  \"heraldd_peak_rss_mib\": " << peak_rss_kib / 1024.0 << ",\n"
         << "  \"heraldd_allocator\": \"" << allocator << "\",\n"
         << "  \"heraldd_exit\": " << stopped << "\n"
         << "}\n";
  if (out.empty()) {
    std::cout << report.str();
  } else {
    std::ofstream(out) << report.str();
    std::cerr << report.str();
  }
  if (!keep) std::filesystem::remove_all(dir);
  return stopped == 0 ? 0 : 1;
}

}  // namespace herald::bench

int main(int argc, char** argv) { return herald::bench::Main(argc, argv); }
