// herald-devbroker: librdkafka's mock cluster as a process of its own, for tests, demos
// and benchmarks. Prints its bootstrap address and runs until SIGINT or SIGTERM.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "services/ingest/embedded_broker.h"

int main(int argc, char** argv) {
  CLI::App app{"herald-devbroker: a Kafka broker for one machine (librdkafka's mock cluster)"};
  int brokers = 1;
  int partitions = 4;
  std::vector<std::string> topics = {"herald.orders",   "herald.service", "herald.fraud",
                                     "herald.profiles", "herald.dlq",     "herald.delivery-status"};
  app.add_option("--brokers", brokers, "Number of brokers (3 or more for cooperative-sticky)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions per topic")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--topic", topics, "Topics to create (repeatable)")->capture_default_str();
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
  std::cout << (*broker)->bootstrap_servers() << std::endl;
  spdlog::info("msg=\"ready\" bootstrap={} brokers={} partitions={}",
               (*broker)->bootstrap_servers(), brokers, partitions);
  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("msg=\"stopping\"");
  return 0;
}
