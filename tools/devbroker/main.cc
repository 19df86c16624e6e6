// herald-devbroker: librdkafka's mock cluster as a process of its own, for tests, demos
// and benchmarks. Prints its bootstrap address and runs until SIGINT or SIGTERM.
//
// --control FIFO: faults on command, one per line written to that named pipe (made if
// missing), each answered on stderr with msg="fault" or msg="bad command":
//   down ID | up ID                 broker ID (1 for the first) stops or starts answering
//   errors API COUNT ERROR          the next COUNT requests of API (Produce, Fetch,
//                                   OffsetCommit, ... or its number) fail with ERROR
//                                   (REQUEST_TIMED_OUT, ... or its number)
//   rtt ID MS                       broker ID answers MS milliseconds late
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "services/ingest/embedded_broker.h"

namespace {

// A Kafka API by name or number; -1 if neither.
int ApiKey(const std::string& word) {
  static const std::map<std::string, int> kApis = {
      {"Produce", 0},        {"Fetch", 1},       {"ListOffsets", 2},      {"Metadata", 3},
      {"OffsetCommit", 8},   {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11},
      {"Heartbeat", 12},     {"LeaveGroup", 13}, {"SyncGroup", 14},       {"ApiVersions", 18},
      {"InitProducerId", 22}};
  if (auto it = kApis.find(word); it != kApis.end()) return it->second;
  char* end = nullptr;
  const long n = std::strtol(word.c_str(), &end, 10);
  return !word.empty() && *end == '\0' && n >= 0 && n < 100 ? static_cast<int>(n) : -1;
}

// A broker error code by librdkafka's name (REQUEST_TIMED_OUT) or number.
bool ErrorCode(const std::string& word, rd_kafka_resp_err_t& out) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name != nullptr && word == descs[i].name) {
      out = descs[i].code;
      return true;
    }
  }
  char* end = nullptr;
  const long n = std::strtol(word.c_str(), &end, 10);
  if (word.empty() || *end != '\0' || n <= 0) return false;
  out = static_cast<rd_kafka_resp_err_t>(n);
  return true;
}

// Carries out one control line; returns what went wrong, or "" when done.
std::string Apply(rd_kafka_mock_cluster_t* cluster, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  if (verb == "down" || verb == "up" || verb == "rtt") {
    int32_t id = 0;
    if (!(in >> id) || id < 1) return "a broker id (1 for the first) is needed";
    rd_kafka_resp_err_t err;
    if (verb == "rtt") {
      int ms = 0;
      if (!(in >> ms) || ms < 0) return "rtt needs milliseconds";
      err = rd_kafka_mock_broker_set_rtt(cluster, id, ms);
    } else {
      err = verb == "down" ? rd_kafka_mock_broker_set_down(cluster, id)
                           : rd_kafka_mock_broker_set_up(cluster, id);
    }
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_err2str(err);
  }
  if (verb == "errors") {
    std::string api, error;
    int count = 0;
    if (!(in >> api >> count >> error)) return "errors needs API COUNT ERROR";
    const int key = ApiKey(api);
    rd_kafka_resp_err_t code;
    if (key < 0) return "unknown API " + api;
    if (count < 1 || count > 1000) return "COUNT must be 1 to 1000";
    if (!ErrorCode(error, code)) return "unknown error " + error;
    std::vector<rd_kafka_resp_err_t> codes(static_cast<size_t>(count), code);
    rd_kafka_mock_push_request_errors_array(cluster, static_cast<int16_t>(key), codes.size(),
                                            codes.data());
    return "";
  }
  return "unknown command \"" + verb + "\" (down, up, rtt, errors)";
}

// Reads control lines from the FIFO at `path`, writer after writer, for ever.
void Control(rd_kafka_mock_cluster_t* cluster, const std::string& path) {
  while (true) {
    std::ifstream fifo(path);  // waits for a writer
    std::string line;
    while (std::getline(fifo, line)) {
      if (line.empty()) continue;
      const std::string error = Apply(cluster, line);
      if (error.empty()) {
        spdlog::info("msg=\"fault\" command=\"{}\"", line);
      } else {
        spdlog::error("msg=\"bad command\" command=\"{}\" error=\"{}\"", line, error);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"herald-devbroker: a Kafka broker for one machine (librdkafka's mock cluster)"};
  int brokers = 1;
  int partitions = 4;
  std::vector<std::string> topics = {"herald.orders",   "herald.service", "herald.fraud",
                                     "herald.profiles", "herald.dlq",     "herald.delivery-status",
                                     "herald.fanout"};
  app.add_option("--brokers", brokers, "Number of brokers (3 or more for cooperative-sticky)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions per topic")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--topic", topics, "Topics to create (repeatable)")->capture_default_str();
  std::string control;
  app.add_option("--control", control, "A named pipe of fault commands (see the source)");
  CLI11_PARSE(app, argc, argv);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // stdout carries only the bootstrap address; logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("herald-devbroker"));
  spdlog::set_pattern("time=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  auto broker = herald::ingest::EmbeddedBroker::Start(brokers, topics, partitions);
  if (!broker.ok()) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", broker.status().ToString());
    return 1;
  }
  if (!control.empty()) {
    if (mkfifo(control.c_str(), 0600) != 0 && errno != EEXIST) {
      spdlog::error("msg=\"cannot start\" error=\"--control {}: {}\"", control,
                    std::strerror(errno));
      return 1;
    }
    std::thread(Control, (*broker)->cluster(), control).detach();
  }
  std::cout << (*broker)->bootstrap_servers() << std::endl;
  spdlog::info("msg=\"ready\" bootstrap={} brokers={} partitions={}",
               (*broker)->bootstrap_servers(), brokers, partitions);
  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("msg=\"stopping\"");
  return 0;
}
