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
      overdue_(prometheus::BuildGauge()
                   .Name("herald_deferred_overdue_seconds")
                   .Help("How long past its time the DEFERRED notification due first is (0: "
                         "none is overdue); grows while deferred ones are not decided again")
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
  const core::Time now = clock_.Now();
  auto since = [&](const std::optional<core::Time>& t) {
    return t ? std::max(0.0, std::chrono::duration<double>(now - *t).count()) : 0.0;
  };
  oldest_.Set(since(backlog->oldest_queued));
  overdue_.Set(since(backlog->first_deferred_due));
  return absl::OkStatus();
}

}  // namespace herald::tracking
