#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/dispatch/dispatcher.h"
#include "tests/support/fake_clock.h"
#include "tests/support/pipeline.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::dispatch {

using connectors::Delivery;
using connectors::SendOutcome;
using connectors::SendResult;
using core::Channel;
using core::NotificationState;
using testing::Utc;

// Answers from a script (then accepts), and remembers every delivery.
class ScriptedConnector final : public connectors::Connector {
 public:
  explicit ScriptedConnector(Channel channel) : channel_(channel) {}
  Channel channel() const override { return channel_; }
  // Answers before returning.
  void Send(Delivery d, connectors::SendDone done) override {
    if (during_send) during_send(d);
    SendResult r;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(d);
      if (script_.empty()) {
        r.outcome = SendOutcome::kAccepted;
        r.detail = "250 ok";
        r.provider_message_id = "p-" + std::to_string(seen_.size());
      } else {
        r = script_.front();
        script_.pop_front();
      }
    }
    done(std::move(r));
  }
  void Then(SendOutcome outcome, std::string detail, bool rejected = false,
            std::optional<std::chrono::seconds> retry_after = std::nullopt) {
    SendResult r;
    r.outcome = outcome;
    r.detail = std::move(detail);
    r.address_rejected = rejected;
    r.retry_after = retry_after;
    std::lock_guard lock(mu_);
    script_.push_back(r);
  }
  std::vector<Delivery> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  /// Runs inside Send, before it answers (e.g. a provider calling back early).
  std::function<void(const Delivery&)> during_send;

 private:
  const Channel channel_;
  std::mutex mu_;
  std::deque<SendResult> script_;
  std::vector<Delivery> seen_;
};

/// The dispatch stage over a real SQLite store, fed by the real intake (which decides),
/// with scripted connectors and an injected clock.
class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy::PolicyConfig rules = policy::PolicyConfig::Defaults();
    rules.default_quiet_hours = core::QuietHours{0, 0};  // none: sent whenever decided
    pipeline_ = std::make_unique<testing::Pipeline>(
        dir_.File("herald.db"), clock_, registry_,
        testing::Pipeline::Options{.policy = rules, .status_outbox = status_outbox_});
    store_ = &pipeline_->store();
    auto stored = store_->AddTemplateVersion(
        "order-shipped",
        [&](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
          core::Template t;
          t.name = "order-shipped";
          t.category = core::Category::kOrderUpdate;
          t.event_types = {"order.shipped"};
          t.default_locale = "en";
          t.contents = {{"en", core::EmailContent{"Shipped {{order.order_id}}", "On its way", ""},
                         core::SmsContent{"Order {{order.order_id}} shipped"}}};
          t.update_time = clock_.Now();
          return t;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
    auto profile =
        store_->MutateProfile("anna", [&](const core::Profile*) -> absl::StatusOr<core::Profile> {
          core::Profile p;
          p.customer_id = "anna";
          p.email = "anna@example.nl";
          p.phone = "+31612345678";
          p.time_zone = "Europe/Amsterdam";
          p.preferred_channels = {Channel::kSms, Channel::kEmail};
          return p;
        });
    ASSERT_TRUE(profile.ok()) << profile.status();
  }

  std::unique_ptr<Dispatcher> Make(std::map<Channel, ChannelPolicy> policies = {},
                                   Renderer* renderer = nullptr) {
    return std::make_unique<Dispatcher>(*store_,
                                        renderer != nullptr ? *renderer : pipeline_->composer(),
                                        std::map<Channel, connectors::Connector*>{
                                            {Channel::kSms, &sms_}, {Channel::kEmail, &email_}},
                                        std::move(policies), clock_, registry_,
                                        Dispatcher::Options{.max_batch = 10,
                                                            .idle_wait = std::chrono::hours(1),
                                                            .retry_wait = std::chrono::hours(1),
                                                            .unsubscribe_base_url = "",
                                                            .jitter_seed = 7});
  }

  // Orders shipped for anna, decided as they are recorded: QUEUED on SMS with EMAIL as
  // the fallback.
  std::vector<std::string> Queue(int count) {
    std::vector<v1::Event> events;
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      const std::string id = "e-" + std::to_string(next_event_++);
      events.push_back(testing::OrderShipped(id, "anna", clock_.Now()));
      events.back().mutable_order()->set_order_id("o-" + id);
      ids.push_back(core::NotificationId(id, "anna", "order-shipped"));
    }
    std::vector<const v1::Event*> batch;
    for (const v1::Event& e : events) batch.push_back(&e);
    EXPECT_TRUE(pipeline_->intake().ProcessParsed(batch, "grpc").ok());
    return ids;
  }

  // Claims up to `count` due SMS hand-offs as a dispatcher would just before it hands
  // them off (what a crash right then leaves SENDING); returns how many.
  int Claim(int count) {
    auto due = store_->ListDue(clock_.Now(), Channel::kSms, count);
    EXPECT_TRUE(due.ok()) << due.status();
    std::vector<store::Claim> claims;
    for (const core::Notification& n : *due) {
      core::RenderedMessage message;
      message.channel = Channel::kSms;
      message.address = "+31612345678";
      claims.push_back(
          {n.seq, n.notification_id, n.attempt_count, clock_.Now(), message, store::Named::Of(n)});
    }
    auto claimed = store_->Claim(claims);
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    return static_cast<int>(std::count(claimed->begin(), claimed->end(), true));
  }

  void ChangePhone(const std::string& phone) {
    auto changed =
        store_->MutateProfile("anna", [&](const core::Profile* p) -> absl::StatusOr<core::Profile> {
          core::Profile copy = *p;
          copy.phone = phone;
          return copy;
        });
    ASSERT_TRUE(changed.ok()) << changed.status();
  }

  core::Notification Get(const std::string& id) {
    auto n = store_->GetNotification(id);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : core::Notification{};
  }

  // The value of a metric without labels (or the first series), -1 when absent.
  double Metric(const std::string& name) {
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != name || family.metric.empty()) continue;
      const prometheus::ClientMetric& m = family.metric[0];
      return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
    return -1;
  }

  // Every series of a metric, summed.
  double MetricSum(const std::string& name) {
    double sum = 0;
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const prometheus::ClientMetric& m : family.metric) sum += m.counter.value;
    }
    return sum;
  }

  bool status_outbox_ = false;
  // On a shared store a crashed instance's sends wait for its leases to run out before
  // another resolves them: as if they had (the crashed one was another instance, whose
  // leases this one's renewals leave alone).
  void EndLeases() {
    if (testing::TestStore::OnPostgres()) {
      testing::TestStore::Exec(
          dir_.File("herald.db"),
          "UPDATE notifications SET lease_owner = 'crashed', lease_until_us = 0"
          " WHERE state = 'SENDING'");
    }
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{Utc(2026, 11, 22, 12)};
  prometheus::Registry registry_;
  std::unique_ptr<testing::Pipeline> pipeline_;
  store::Store* store_ = nullptr;
  ScriptedConnector sms_{Channel::kSms};
  ScriptedConnector email_{Channel::kEmail};
  int next_event_ = 1;
};

}  // namespace herald::dispatch
