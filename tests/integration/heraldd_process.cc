#include "tests/integration/heraldd_process.h"

#include <httplib.h>
#include <signal.h>

#include <fstream>

#include "tests/support/bearer_channel.h"
#include "tests/support/built_binary.h"
#include "tests/support/metrics_text.h"

namespace herald::testing {
namespace {

// Generous bound for a broken build on a slow machine, not a timing expectation.
constexpr std::chrono::seconds kStartLimit{60};

int PortOf(const std::optional<std::string>& line) {
  if (!line) return 0;
  const size_t at = line->find("address=");
  if (at == std::string::npos) return 0;
  const size_t colon = line->find(':', at);
  return std::atoi(line->c_str() + colon + 1);
}

}  // namespace

HeralddProcess::HeralddProcess(const std::string& dir, const std::string& db_path,
                               const std::string& extra_yaml, const std::string& postgres_yaml) {
  const std::string config_path = dir + "/heraldd.yaml";
  const std::string token_path = dir + "/admin.token";
  auto has_section = [&extra_yaml](const std::string& name) {
    return extra_yaml.rfind(name + ":", 0) == 0 ||
           extra_yaml.find("\n" + name + ":") != std::string::npos;
  };
  const bool own_auth = has_section("auth");
  const bool own_server = has_section("server");
  {
    std::ofstream config(config_path);
    if (!own_server) {
      config << "server:\n  grpc_listen: 127.0.0.1:0\n  http_listen: 127.0.0.1:0\n"
             << "  public:\n    listen: 127.0.0.1:0\n";
    }
    config << (db_path.find("dbname=") != std::string::npos
                   ? "store:\n  backend: postgres\n  postgres:\n    dsn: \"" + db_path + "\"\n" +
                         postgres_yaml
                   : "store:\n  sqlite:\n    path: " + db_path + "\n")
           << (own_auth ? "" : "auth:\n  admin_token_file: " + token_path + "\n") << extra_yaml;
  }
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BuiltBinary(HERALDD_PATH), "--config", config_path});
  grpc_port_ = PortOf(process_->WaitForLine("protocol=grpc", kStartLimit));
  http_port_ = PortOf(process_->WaitForLine("listener=internal", kStartLimit));
  public_port_ = PortOf(process_->WaitForLine("listener=public", kStartLimit));
  ready_ = grpc_port_ > 0 && http_port_ > 0 && public_port_ > 0 &&
           process_->WaitForLine("msg=\"ready\"", kStartLimit).has_value();
  // Written by heraldd unless an auth section of the test's said otherwise.
  if (std::ifstream token(token_path); token) std::getline(token, admin_token_);
}

std::shared_ptr<grpc::Channel> HeralddProcess::Channel() const { return Channel(admin_token_); }

std::shared_ptr<grpc::Channel> HeralddProcess::Channel(const std::string& token) const {
  return BearerChannel(grpc_target(), token);
}

double HeralddProcess::Metric(const std::string& name, const std::string& labels) const {
  httplib::Client http("127.0.0.1", http_port_);
  auto response = http.Get("/metrics");
  return response ? SumMetric(response->body, name, labels) : -1;
}

int HeralddProcess::Stop() {
  process_->Signal(SIGTERM);
  return process_->Wait();
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

}  // namespace herald::testing
