#include "services/store/retention.h"

#include <spdlog/spdlog.h>

namespace herald::store {
namespace {

// Batches per pass before the worker yields (and Stop() is looked at again).
constexpr int kBatchesPerPass = 20;

prometheus::Family<prometheus::Counter>& Removed(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("herald_retention_removed_total")
      .Help(
          "Notifications whose content (what=content) or whole record (what=notification) "
          "the retention job removed")
      .Register(registry);
}

}  // namespace

Retention::Retention(PrivacyStore& store, const core::Clock& clock, Options options,
                     prometheus::Registry& registry)
    : store_(store),
      clock_(clock),
      options_(options),
      content_purged_(Removed(registry).Add({{"what", "content"}})),
      notifications_deleted_(Removed(registry).Add({{"what", "notification"}})),
      failures_(prometheus::BuildCounter()
                    .Name("herald_retention_failures_total")
                    .Help("Retention batches that failed (tried again at the next pass)")
                    .Register(registry)
                    .Add({})) {}

Retention::~Retention() { Stop(); }

std::chrono::milliseconds Retention::RunOnce() {
  const core::Time now = clock_.Now();
  bool more = false;
  int batches = 0;
  auto run = [&](std::chrono::milliseconds after, prometheus::Counter& counter,
                 std::string_view what, auto&& batch) {
    if (after.count() <= 0) return;
    while (batches < kBatchesPerPass) {
      ++batches;
      absl::StatusOr<int64_t> done = batch(now - after);
      if (!done.ok()) {
        failures_.Increment();
        spdlog::warn("msg=\"retention failed; will retry\" what={} error=\"{}\"", what,
                     done.status().ToString());
        return;
      }
      counter.Increment(static_cast<double>(*done));
      if (*done < options_.batch_size) return;
    }
    more = true;
  };
  run(options_.content_after, content_purged_, "content",
      [&](core::Time before) { return store_.PurgeContent(before, now, options_.batch_size); });
  run(options_.records_after, notifications_deleted_, "notification",
      [&](core::Time before) { return store_.DeleteNotifications(before, options_.batch_size); });
  return more ? std::chrono::milliseconds(0) : options_.interval;
}

void Retention::Start() {
  if (options_.content_after.count() <= 0 && options_.records_after.count() <= 0) return;
  worker_ = std::make_unique<core::Worker>(
      "retention", [this] { return RunOnce(); }, core::Worker::Priority::kBackground);
  worker_->Start();
}

void Retention::Stop() {
  if (worker_ != nullptr) worker_->Stop();
}

}  // namespace herald::store
