#pragma once
// What every part of herald-bench uses: failing (and killing the children), timing.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace herald::bench {

using Clock = std::chrono::steady_clock;

/// Prints `what`, kills every child still running, exits 1.
[[noreturn]] void Fail(const std::string& what);
/// Children Fail kills (exit() runs no destructors of locals).
void AddChild(pid_t pid);
void RemoveChild(pid_t pid);

double Seconds(Clock::duration d);
/// Polls `done` every 10 ms; fails after `limit`.
void WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit,
               const std::string& what);
/// The p-quantile (0..1) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double p);
/// The CPU's model name, from /proc/cpuinfo.
std::string MachineModel();

}  // namespace herald::bench
