#pragma once

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "services/compose/composer.h"
#include "services/heraldd/after_intake.h"
#include "services/ingest/intake.h"
#include "services/policy/decider.h"
#include "services/policy/releaser.h"
#include "services/store/template_catalog.h"
#include "tests/support/test_store.h"

namespace herald::testing {

/// The pipeline up to the dispatcher as heraldd wires it, over a real store at `path`
/// (TestStore: SQLite, or PostgreSQL): the template catalog, the contact policy, intake (which
/// decides), the releaser of deferred notifications and rendering (and, once HandTo, the dispatcher
/// intake offers what it queued to). Header-only: a test links herald_after_intake.
class Pipeline {
 public:
  struct Options {
    policy::PolicyConfig policy = policy::PolicyConfig::Defaults();
    ingest::EventLimits limits = {};
    int max_part = 5000;
    bool status_outbox = false;
    /// The releaser's (null: every customer is this pipeline's).
    const core::Ownership* ownership = nullptr;
    /// The decider's view of the operators' pauses (null: none).
    const core::PauseBoard* pauses = nullptr;
  };

  Pipeline(const std::string& path, const core::Clock& clock, prometheus::Registry& registry,
           Options options)
      : store_(Open(path, options.status_outbox)),
        templates_(*store_),
        decider_(*store_, options.policy, clock, registry,
                 policy::Decider::Options{.pauses = options.pauses}),
        intake_(*store_, templates_, decider_, clock, options.limits, registry,
                ingest::Intake::Options{.max_part = options.max_part, .events = store_.get()}),
        releaser_(*store_, *store_, templates_, decider_, ReadCoreEvent, clock, registry,
                  policy::Releaser::Options{.max_batch = 500,
                                            .idle_wait = std::chrono::hours(1),
                                            .ownership = options.ownership}),
        composer_(
            *store_, *store_, templates_, ReadMessage,
            compose::Composer::Options{.default_time_zone = options.policy.default_time_zone}) {
    intake_.SetOnRecorded([this](ingest::Recorded recorded) {
      heraldd::HandOnRecorded(std::move(recorded), composer_, dispatcher_, nullptr);
    });
  }

  /// From now on what intake queues is offered to `dispatcher` in memory, as heraldd
  /// does (null: only the store has it). The releaser is run by the test.
  void HandTo(dispatch::Dispatcher* dispatcher) { dispatcher_ = dispatcher; }

  store::Store& store() { return *store_; }
  store::TemplateCatalog& templates() { return templates_; }
  policy::Decider& decider() { return decider_; }
  ingest::Intake& intake() { return intake_; }
  policy::Releaser& releaser() { return releaser_; }
  compose::Composer& composer() { return composer_; }

 private:
  static std::unique_ptr<store::Store> Open(const std::string& path, bool outbox) {
    auto store = TestStore::Open(path, outbox);
    if (!store.ok()) {
      ADD_FAILURE() << store.status();
      std::abort();
    }
    return std::move(*store);
  }
  static absl::StatusOr<core::Event> ReadCoreEvent(const store::EventRecord& record) {
    absl::StatusOr<ingest::StoredEvent> stored = ingest::ReadStoredEvent(record);
    if (!stored.ok()) return stored.status();
    return std::move(stored->event);
  }
  static absl::StatusOr<v1::Event> ReadMessage(const store::EventRecord& record) {
    absl::StatusOr<ingest::StoredEvent> stored = ingest::ReadStoredEvent(record);
    if (!stored.ok()) return stored.status();
    return std::move(stored->message);
  }

  std::unique_ptr<store::Store> store_;
  store::TemplateCatalog templates_;
  policy::Decider decider_;
  ingest::Intake intake_;
  policy::Releaser releaser_;
  compose::Composer composer_;
  dispatch::Dispatcher* dispatcher_ = nullptr;
};

}  // namespace herald::testing
