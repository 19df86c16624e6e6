#include "tools/bench/common.h"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

namespace herald::bench {
namespace {

// Children still running; Fail kills them.
std::mutex children_mu;
std::set<pid_t> children;

}  // namespace

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "herald-bench: " << what << "\n";
  {
    std::lock_guard lock(children_mu);
    for (pid_t pid : children) kill(pid, SIGKILL);
  }
  std::exit(1);
}

void AddChild(pid_t pid) {
  std::lock_guard lock(children_mu);
  children.insert(pid);
}

void RemoveChild(pid_t pid) {
  std::lock_guard lock(children_mu);
  children.erase(pid);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit,
               const std::string& what) {
  const auto give_up = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > give_up) Fail("timed out waiting for " + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[i];
}

std::string MachineModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace herald::bench
