// heraldd: the Herald service.
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "services/api/auth/api_key_token.h"
#include "services/heraldd/config.h"
#include "services/heraldd/heraldd.h"
#include "services/heraldd/logging.h"

namespace {

constexpr int kExitBadConfig = 2;
constexpr int kExitStartFailed = 1;

}  // namespace

int main(int argc, char** argv) {
  // Large blocks (Kafka batches, an audience's parts) straight from the kernel and back
  // to it when freed: glibc would otherwise raise this threshold as such blocks are
  // freed and keep them in its heaps, beside everything else (a 100,000-customer outage
  // peaked 35 MiB higher). The environment's MALLOC_MMAP_THRESHOLD_ still wins.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  CLI::App app{"heraldd: proactive outbound notifications"};
  std::string config_path;
  std::string check_path;
  auto* run = app.add_option("--config", config_path, "Run with this YAML config file")
                  ->check(CLI::ExistingFile);
  auto* check =
      app.add_option("--check-config", check_path, "Validate this YAML config file and exit")
          ->check(CLI::ExistingFile);
  bool new_token = false;
  auto* token = app.add_flag("--new-token", new_token,
                             "Print a new random API key token (hk_...) and exit: the first "
                             "admin key for auth.admin_token_file, e.g. in a Kubernetes Secret");
  run->excludes(check);
  token->excludes(run)->excludes(check);
  app.set_version_flag("--version", HERALD_VERSION);
  CLI11_PARSE(app, argc, argv);

  if (new_token) {
    auto made = herald::api::auth::NewApiKeyToken();
    if (!made.ok()) {
      std::cerr << made.status().message() << "\n";
      return kExitStartFailed;
    }
    std::cout << made->ToString() << "\n";
    return 0;
  }
  if (!check_path.empty()) {
    auto config = herald::heraldd::LoadConfig(check_path);
    if (!config.ok()) {
      std::cerr << config.status().message() << "\n";
      return kExitBadConfig;
    }
    std::cout << check_path << ": OK\n";
    return 0;
  }
  if (config_path.empty()) {
    std::cerr << "heraldd: give --config FILE (or --check-config FILE); see --help\n";
    return kExitBadConfig;
  }
  auto config = herald::heraldd::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return kExitBadConfig;
  }

  // Block the signals heraldd handles in every thread (threads inherit the mask), so
  // that only the sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  herald::heraldd::SetUpLogging(config->log.level, config->log.mask_contact_data, config->log.json);
  spdlog::info("msg=\"starting\" config={}", config_path);
  auto heraldd = herald::heraldd::Heraldd::Start(*config);
  if (!heraldd.ok()) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", heraldd.status().ToString());
    return kExitStartFailed;
  }

  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    spdlog::info("msg=\"signal received\" signal=SIGHUP");
    (*heraldd)->Reload();
  }
  spdlog::info("msg=\"signal received\" signal={}", received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*heraldd)->Shutdown();
  return 0;
}
