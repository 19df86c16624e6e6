#include "services/policy/pause_watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <vector>

namespace herald::policy {
namespace {

bool Has(const std::vector<core::Pause>& pauses, const core::Pause& p) {
  return std::any_of(pauses.begin(), pauses.end(), [&](const core::Pause& q) {
    return q.scope == p.scope && q.value == p.value;
  });
}

}  // namespace

PauseWatcher::PauseWatcher(store::PauseStore& store, core::PauseBoard& board,
                           const core::Clock& clock, prometheus::Registry& registry,
                           Options options)
    : store_(store),
      board_(board),
      clock_(clock),
      options_(options),
      gauge_(prometheus::BuildGauge()
                 .Name("herald_pauses")
                 .Help("Operators' pauses of sending in force, by scope (ALL, TEMPLATE, "
                       "CATEGORY, CHANNEL)")
                 .Register(registry)),
      worker_("pauses", [this] { return Pass(); }) {
  for (core::PauseScope scope : {core::PauseScope::kAll, core::PauseScope::kTemplate,
                                 core::PauseScope::kCategory, core::PauseScope::kChannel}) {
    gauge_.Add({{"scope", std::string(core::Name(scope))}}).Set(0);
  }
}

absl::Status PauseWatcher::RunOnce() {
  absl::StatusOr<std::vector<core::Pause>> pauses = store_.ListPauses();
  if (!pauses.ok()) return pauses.status();
  const core::PauseBoard::Pauses before = board_.Current();
  const bool first = !read_once_;
  read_once_ = true;
  if (board_.Set(*pauses)) {
    for (const core::Pause& p : *pauses) {
      if (Has(*before, p)) continue;
      spdlog::warn("msg=\"sending paused\" scope={} value=\"{}\" by={} at={} reason=\"{}\"",
                   core::Name(p.scope), p.value, p.paused_by, core::FormatTime(p.pause_time),
                   p.reason);
    }
    for (const core::Pause& p : *before) {
      if (Has(*pauses, p)) continue;
      spdlog::warn("msg=\"sending resumed\" scope={} value=\"{}\" paused_by={}",
                   core::Name(p.scope), p.value, p.paused_by);
    }
    std::map<core::PauseScope, int> counts;
    for (const core::Pause& p : *pauses) ++counts[p.scope];
    for (core::PauseScope scope : {core::PauseScope::kAll, core::PauseScope::kTemplate,
                                   core::PauseScope::kCategory, core::PauseScope::kChannel}) {
      gauge_.Add({{"scope", std::string(core::Name(scope))}}).Set(counts[scope]);
    }
    sweeps_left_ = 2;
    next_sweep_ = std::chrono::steady_clock::now();
  } else if (first) {
    sweeps_left_ = 1;
    next_sweep_ = std::chrono::steady_clock::now();
  }
  if (sweeps_left_ == 0 || std::chrono::steady_clock::now() < next_sweep_) {
    return absl::OkStatus();
  }
  return Sweep();
}

absl::Status PauseWatcher::Sweep() {
  absl::StatusOr<store::PauseChange> change = store_.SweepPauses(clock_.Now());
  if (!change.ok()) return change.status();
  // One more once decisions made on the board before the change are recorded.
  --sweeps_left_;
  next_sweep_ = std::chrono::steady_clock::now() + options_.settle;
  if (change->held > 0 || change->released > 0) {
    spdlog::info("msg=\"pauses swept\" held={} released={}", change->held, change->released);
  }
  if (change->released > 0 && on_released_) on_released_();
  return absl::OkStatus();
}

std::chrono::milliseconds PauseWatcher::Pass() {
  absl::Status status = RunOnce();
  if (!status.ok()) {
    spdlog::warn("msg=\"reading pauses failed; will retry\" error=\"{}\"", status.ToString());
  }
  return options_.poll;
}

}  // namespace herald::policy
