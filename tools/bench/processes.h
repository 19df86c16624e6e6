#pragma once
// The processes herald-bench starts: any child, and heraldd with its ports.

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/metrics_text.h"
#include "tools/bench/common.h"

extern char** environ;

namespace herald::bench {

// A child process with its stderr in a file; SIGKILLed if still running at the end.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 1, (log + ".out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) {
      Fail("cannot start " + argv[0]);
    }
    posix_spawn_file_actions_destroy(&actions);
    AddChild(pid_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }

  pid_t pid() const { return pid_; }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  /// The first match of `pattern`'s group 1 in the log, waiting up to `limit`.
  std::string WaitFor(const std::string& pattern, std::chrono::seconds limit) const {
    const std::regex re(pattern);
    const auto give_up = Clock::now() + limit;
    while (Clock::now() < give_up) {
      std::smatch m;
      const std::string log = Log();
      if (std::regex_search(log, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Fail("no \"" + pattern + "\" in " + log_ + ":\n" + Log());
  }
  /// SIGTERM, then the exit code.
  int Stop() {
    kill(pid_, SIGTERM);
    return Wait();
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    RemoveChild(pid_);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  /// Peak resident memory so far (VmHWM), in KiB.
  long PeakRssKib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// heraldd as a process, with its ports read from its log.
class Heraldd {
 public:
  Heraldd(const std::string& binary, const std::string& config, const std::string& log)
      : child_({binary, "--config", config}, log) {
    allocator_ = child_.WaitFor("msg=\"ready\".* allocator=([a-z]+)", std::chrono::seconds(60));
    http_port_ = std::stoi(
        child_.WaitFor("listener=internal address=127.0.0.1:([0-9]+)", std::chrono::seconds(1)));
    grpc_ = "127.0.0.1:" +
            child_.WaitFor("protocol=grpc address=127.0.0.1:([0-9]+)", std::chrono::seconds(1));
  }

  const std::string& grpc() const { return grpc_; }
  /// The malloc heraldd says it runs on (its ready line).
  const std::string& allocator() const { return allocator_; }
  Child& child() { return child_; }

  /// The sum of every series of a metric whose labels contain `labels`.
  double Metric(const std::string& name, const std::string& labels = "") {
    return testing::SumMetric(Metrics(), name, labels);
  }
  /// What /metrics says now.
  std::string Metrics() {
    httplib::Client http("127.0.0.1", http_port_);
    auto response = http.Get("/metrics");
    if (!response || response->status != 200) Fail("heraldd's /metrics does not answer");
    return response->body;
  }

 private:
  Child child_;
  int http_port_ = 0;
  std::string grpc_;
  std::string allocator_;
};

}  // namespace herald::bench
