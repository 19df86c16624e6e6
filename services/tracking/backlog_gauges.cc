#include "services/tracking/backlog_gauges.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace herald::tracking {

BacklogGauges::BacklogGauges(store::NotificationQueries& store, const core::Clock& clock,
                             prometheus::Registry& registry, std::chrono::milliseconds interval)
    : store_(store),
      clock_(clock),
      interval_(interval),
      notifications_(prometheus::BuildGauge()
                         .Name("herald_notifications")
                         .Help("Notifications not done yet, by state and channel (none: not "
                               "chosen yet), in the whole store")
                         .Register(registry)),
      oldest_(prometheus::BuildGauge()
                  .Name("herald_outbox_oldest_seconds")
                  .Help("How long the oldest QUEUED notification has waited for its hand-off "
                        "since the policy let it go (0: none waits)")
                  .Register(registry)
                  .Add({})),
      worker_(
          "backlog",
          [this] {
            absl::Status status = Update();
            if (!status.ok()) {
              spdlog::warn("msg=\"backlog gauges not updated; will retry\" error=\"{}\"",
                           status.ToString());
            }
            return interval_;
          },
          core::Worker::Priority::kBackground) {}

BacklogGauges::~BacklogGauges() { Stop(); }

absl::Status BacklogGauges::Update() {
  absl::StatusOr<store::NotificationBacklog> backlog = store_.CountBacklog();
  if (!backlog.ok()) return backlog.status();
  for (auto& [labels, gauge] : seen_) gauge->Set(0);
  for (const store::NotificationBacklog::Count& c : backlog->counts) {
    std::pair<std::string, std::string> labels(core::Name(c.state),
                                               c.channel ? core::Name(*c.channel) : "none");
    auto [it, added] = seen_.try_emplace(labels, nullptr);
    if (added) {
      it->second = &notifications_.Add({{"state", labels.first}, {"channel", labels.second}});
    }
    it->second->Set(static_cast<double>(c.count));
  }
  oldest_.Set(
      backlog->oldest_queued
          ? std::max(0.0,
                     std::chrono::duration<double>(clock_.Now() - *backlog->oldest_queued).count())
          : 0.0);
  return absl::OkStatus();
}

}  // namespace herald::tracking
