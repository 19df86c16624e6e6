#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/event.h"
#include "services/core/notification.h"
#include "services/core/pause.h"
#include "services/core/template.h"
#include "services/policy/contact_policy.h"
#include "services/store/store.h"

namespace herald::policy {

/// The contact-policy stage: decides notifications with their customers' profiles and
/// contact history, read from the store once per batch, and with the decisions of
/// batches it made that may not be recorded yet, so that caps and duplicates count
/// those too. Each batch names the version of each customer's decisions it was made on
/// (counting its own batches on their way), so that the store refuses it when another
/// decider recorded something for the customer meanwhile. Intake decides new notifications with it
/// in the transaction that records them; the Releaser decides deferred ones again when they are
/// due. The rules themselves are the pure Decide of contact_policy.h.
class Decider {
 public:
  struct Options {
    /// The event type that starts the complaint cooldown.
    std::string complaint_event_type = "service.complaint_received";
    /// The operators' pauses in force, read once per batch; nullptr: none.
    const core::PauseBoard* pauses = nullptr;
    /// The version of the config `config` came from, named in every decision.
    std::string config_version = {};
  };

  /// One notification to decide, in place.
  struct Work {
    core::Notification* notification = nullptr;
    const core::Event* event = nullptr;
    /// The template it is decided with; nullptr: none (it is suppressed, NO_TEMPLATE).
    const core::Template* tmpl = nullptr;
  };

  /// Decisions made and perhaps not recorded yet: later batches count them until this
  /// is destroyed (whether or not the store took them: either way the store now says
  /// what counts).
  class Batch {
   public:
    Batch(Batch&& other) noexcept;
    Batch& operator=(Batch&&) = delete;
    Batch(const Batch&) = delete;
    ~Batch();
    /// The store took the decisions marked true (in the order decided): counted in
    /// herald_decisions_total.
    void Recorded(const std::vector<bool>& applied);
    /// Whether the customer had a profile when the batch was decided.
    bool HasProfile(const std::string& customer_id) const {
      return !without_profile_.contains(customer_id);
    }
    /// Each customer of the batch at the version its decisions were made on: what the
    /// write that records them names (store::CustomerVersion).
    const std::vector<store::CustomerVersion>& decided_on() const { return decided_on_; }

   private:
    friend class Decider;
    Batch(Decider* decider, uint64_t id) : decider_(decider), id_(id) {}
    Decider* decider_;
    uint64_t id_;
    std::unordered_set<std::string> without_profile_;
    std::vector<store::CustomerVersion> decided_on_;
  };

  Decider(store::ContactHistoryStore& store, PolicyConfig config, const core::Clock& clock,
          prometheus::Registry& registry, Options options);
  Decider(const Decider&) = delete;
  Decider& operator=(const Decider&) = delete;

  /// Decides each notification at the clock's now, in order: sets its state, decision,
  /// channel and fallbacks, send time (when let through), template version and
  /// category. Later ones of the batch see the earlier ones' decisions.
  absl::StatusOr<Batch> Decide(std::span<const Work> work);

  /// The rules from now on (a reload): the next batch is decided with them, and its
  /// decisions name `version`.
  void SetConfig(PolicyConfig config, std::string version);
  /// The rules and version in force.
  std::pair<std::shared_ptr<const PolicyConfig>, std::string> config() const;

 private:
  /// What a customer's history keeps of a decided notification.
  static void See(const core::Notification& n, std::vector<core::Notification>& history);
  /// How far back history matters: the longest cap window or duplicate window.
  static std::chrono::seconds HistoryWindow(const PolicyConfig& config);
  void Release(uint64_t id);
  void Count(uint64_t id, const std::vector<bool>& applied);

  store::ContactHistoryStore& store_;
  std::shared_ptr<const PolicyConfig> config_;  // mu_
  std::string config_version_;                  // mu_
  const core::Clock& clock_;
  const Options options_;
  prometheus::Family<prometheus::Counter>& decisions_;

  using Outcome = std::pair<core::DecisionOutcome, core::DecisionReason>;
  struct Decided {
    /// What caps and duplicates look at of each (no decision).
    std::vector<core::Notification> notifications;
    std::vector<Outcome> outcomes;
    /// The version each customer of the batch has once it is recorded.
    std::unordered_map<std::string, int64_t> next_versions;
  };

  mutable std::mutex mu_;
  uint64_t next_batch_ = 1;
  /// Batches not released yet.
  std::map<uint64_t, Decided> in_flight_;
  /// herald_decisions_total's series, looked up once each.
  std::map<Outcome, prometheus::Counter*> counters_;
};

}  // namespace herald::policy
