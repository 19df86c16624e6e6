// Several heraldd in one consumer group over one PostgreSQL: an audience split over all
// of them, instances killed at random and restarted, one leaving for good, and the
// database restarted under load; every event accounted for at the end.
//
// HERALD_SCALE_KILLS sets the number of kills (default 20, at most 1000),
// HERALD_SCALE_SEED the seed of the kill moments (default: from the clock; printed),
// HERALD_SCALE_AUDIENCE the customers of the audience (default 100,000).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "herald/v1/operator_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "tests/integration/delivery_accounting.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/integration/sms_sink.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/built_binary.h"
#include "tests/support/postgres_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::testing {
namespace {

// Bounds for a broken build, not timing expectations: the tests wait for states.
constexpr std::chrono::seconds kLimit{180};
constexpr int kInstances = 3;
// Sends at once per channel and instance (email.concurrency, sms.concurrency).
constexpr int kConcurrency = 4;
// What ORDER_UPDATE allows per customer and day in these tests.
constexpr int kCap = 3;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

std::string Query(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0
                          ? PQgetvalue(result, 0, 0)
                          : "error: " + std::string(PQerrorMessage(conn));
  PQclear(result);
  PQfinish(conn);
  return value;
}

int64_t Count(const std::string& dsn, const std::string& sql) {
  return std::atoll(Query(dsn, sql).c_str());
}

// How heraldd names itself in its leases by default.
std::string InstanceName(const Subprocess& process) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(process.pid());
}

// The end of a log, for a failure message.
std::string Tail(Subprocess& process) {
  const std::string log = process.Stderr();
  return log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Event i is for customer c<i>, except every fifth, which goes to one of six busy
// customers (each gets far more orders than the cap lets through).
std::string CustomerOf(int i) { return i % 5 == 4 ? "busy-" + std::to_string(i / 5 % 6) : ""; }

// A backend putting events on herald.orders at a steady pace until stopped, some sent
// twice (a producer retrying).
class Backend {
 public:
  explicit Backend(const std::string& bootstrap, int first = 0)
      : thread_([this, bootstrap, first] {
          TestProducer kafka(bootstrap);
          for (int i = first; producing_; ++i) {
            const v1::Event e = ShippedEvent(i, CustomerOf(i));
            kafka.Send("herald.orders", e.customer_id(), e.SerializeAsString());
            next_ = i + 1;
            if (i % 10 == 9 && i - 5 >= first) {
              const v1::Event again = ShippedEvent(i - 5, CustomerOf(i - 5));
              kafka.Send("herald.orders", again.customer_id(), again.SerializeAsString());
            }
            // Pacing, not correctness: events keep arriving across what the test does.
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  ~Backend() { Stop(); }

  /// Stops; returns the number one past the last event sent.
  int Stop() {
    producing_ = false;
    if (thread_.joinable()) thread_.join();
    return next_;
  }

 private:
  std::atomic<bool> producing_ = true;
  std::atomic<int> next_ = 0;
  std::thread thread_;
};

class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Subprocess>(
        std::vector<std::string>{BuiltBinary(DEVBROKER_PATH), "--partitions", "6", "--control",
                                 dir_.File("broker.control")});
    auto ready = broker_->WaitForLine("msg=\"ready\"", std::chrono::seconds(30));
    ASSERT_TRUE(ready.has_value()) << broker_->Stderr();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*ready, match, std::regex("bootstrap=([^ ]+)")));
    bootstrap_ = match[1];
    auto dsn = PostgresServer::Shared().CreateDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    dsn_ = *dsn;
    smtp_ = std::make_unique<SmtpSink>(dir_.File("mail"));
    ASSERT_TRUE(smtp_->ready()) << smtp_->Stderr();
  }

  void TearDown() override {
    smtp_.reset();
    broker_->Signal(SIGTERM);
    broker_->Wait();
  }

  std::string InstanceDir(int n) {
    const std::string dir = dir_.File("instance-" + std::to_string(n));
    std::filesystem::create_directories(dir);
    return dir;
  }

  // One instance of the group. Audiences of 100 or more are split over the instances
  // (events up to 4 MiB: 100,000 customers are about 1.3 MB);
  // email is not sent again after a kill (UNKNOWN), SMS is, with the same key, to a
  // provider that honours it. A short session timeout: the broker holds a killed
  // member's partitions until its session expires. Not shorter than 3.5 s: the first
  // member to join an empty group waits 3 s for others, sends nothing meanwhile, and a
  // session shorter than that ends in the wait (the join is then never answered).
  // Offsets committed every 250 ms: a killed instance has moved its partitions on.
  std::unique_ptr<HeralddProcess> Instance(int n, std::chrono::seconds send_lease) {
    const std::string concurrency = std::to_string(kConcurrency);
    return std::make_unique<HeralddProcess>(
        InstanceDir(n), dsn_,
        "kafka:\n  embedded: false\n  bootstrap_servers: " + bootstrap_ +
            "\n  max_batch: 50\n"
            "  consumer_properties:\n    session.timeout.ms: \"3500\"\n"
            "    heartbeat.interval.ms: \"250\"\n"
            "    auto.commit.interval.ms: \"250\"\n"
            "ingest:\n  fanout_min_audience: 100\n  max_event_bytes: 4194304\n"
            "policy:\n  quiet_hours: \"off\"\n  global_cap: \"off\"\n"
            "  categories:\n    ORDER_UPDATE: {consent: opt_out, cap: " +
            std::to_string(kCap) +
            "/1d, over_cap: drop}\n"
            "email:\n  url: " +
            smtp_->url() +
            "\n  from_address: noreply@herald.example\n  concurrency: " + concurrency +
            "\n  initial_backoff: 1s\n  max_backoff: 1s\n"
            "sms:\n  provider: generic_json\n  url: " +
            sms_.url("/send") +
            "\n  token: t0k\n  resend_after_crash: true\n  concurrency: " + concurrency +
            "\n  initial_backoff: 1s\n  max_backoff: 1s\n"
            "dispatch:\n  max_batch: 20\n",
        "    send_lease: " + std::to_string(send_lease.count()) + "s\n");
  }

  // Starts the group; the first instance creates the template.
  void StartGroup(std::vector<std::unique_ptr<HeralddProcess>>& group,
                  std::chrono::seconds send_lease) {
    for (int n = 0; n < kInstances; ++n) {
      group.push_back(Instance(n, send_lease));
      ASSERT_TRUE(group.back()->ready()) << group.back()->process().Stderr();
    }
    CreateOrderShippedTemplate(*group[0]);
  }

  // Waits until every notification of `events` has ended, reading the logs of
  // `processes` meanwhile (their pipes must not fill).
  bool Settle(const std::vector<Subprocess*>& processes, int events, StoredNotifications& stored) {
    const bool ended = WaitFor(
        [&] {
          for (Subprocess* p : processes) (void)p->Stderr();
          stored = ReadPostgresNotifications(dsn_);
          return AllEnded(stored, static_cast<size_t>(events));
        },
        kLimit);
    if (!ended) {
      ADD_FAILURE() << Summary(stored) << " for " << events << " events";
      for (Subprocess* p : processes) ADD_FAILURE() << Tail(*p);
    }
    return ended;
  }

  // The events e-0 .. e-<events - 1>, accounted for: one notification each, delivered
  // once; the busy customers got exactly what the cap allows, the rest suppressed;
  // nothing else suppressed and nothing left.
  Accounting Account(const StoredNotifications& stored, int events) {
    std::vector<std::string> event_ids;
    for (int i = 0; i < events; ++i) event_ids.push_back("e-" + std::to_string(i));
    const Accounting a =
        AccountDeliveries(stored, event_ids, MailArrivals(dir_.File("mail")), sms_.seen());
    std::map<std::string, int> let_through;  // by busy customer
    std::map<std::string, int> orders;
    for (const auto& [id, n] : stored) {
      const bool busy = n.customer_id.starts_with("busy-");
      if (busy) ++orders[n.customer_id];
      if (n.state == "SUPPRESSED") {
        EXPECT_TRUE(busy) << id << " suppressed, yet its customer had one order";
      } else if (busy) {
        ++let_through[n.customer_id];
      }
    }
    for (const auto& [customer, count] : orders) {
      EXPECT_EQ(let_through[customer], std::min(count, kCap))
          << customer << ": " << count << " orders, cap " << kCap << " a day";
    }
    EXPECT_EQ(Count(dsn_, "SELECT COUNT(*) FROM events WHERE NOT complete"), 0);
    return a;
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> broker_;
  std::string bootstrap_;
  std::string dsn_;
  std::unique_ptr<SmtpSink> smtp_;
  SmsSink sms_;
};

TEST_F(ScaleOutTest, AnAudienceIsSplitOverEveryInstanceAndEachCustomerDecidedOnce) {
  const int customers = std::max(EnvInt("HERALD_SCALE_AUDIENCE", 100'000), 100);
  std::vector<std::unique_ptr<HeralddProcess>> instances;
  for (int n = 0; n < kInstances; ++n) {
    instances.push_back(Instance(n, std::chrono::seconds(120)));
    ASSERT_TRUE(instances.back()->ready()) << instances.back()->process().Stderr();
  }
  // Every instance has its share of the partitions before the outage comes.
  for (auto& instance : instances) {
    ASSERT_TRUE(instance->process().WaitForLine("msg=\"partitions assigned\"", kLimit))
        << instance->process().Stderr();
  }
  std::vector<std::string> audience;
  for (int i = 0; i < customers; ++i) audience.push_back("cust-" + std::to_string(i));
  const auto start = std::chrono::steady_clock::now();
  TestProducer kafka(bootstrap_);
  kafka.Send("herald.service", "noc",
             Outage("outage-1", audience,
                    std::chrono::time_point_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now()))
                 .SerializeAsString());

  const bool decided = WaitFor(
      [&] {
        for (auto& instance : instances) (void)instance->process().Stderr();
        return Count(dsn_, "SELECT COUNT(*) FROM notifications WHERE state != 'PENDING'") >=
               customers;
      },
      std::chrono::seconds(600));
  if (!decided) {
    for (auto& instance : instances) ADD_FAILURE() << instance->process().Stderr();
  }
  ASSERT_TRUE(decided) << Count(dsn_, "SELECT COUNT(*) FROM notifications") << " of " << customers;
  const int64_t took = MillisSince(start);
  EXPECT_EQ(Count(dsn_, "SELECT COUNT(*) FROM notifications"), customers);
  EXPECT_EQ(Count(dsn_, "SELECT COUNT(DISTINCT customer_id) FROM notifications"), customers);
  EXPECT_EQ(Count(dsn_, "SELECT COUNT(*) FROM events WHERE complete"), 1);
  // Made as of the event's arrival wherever they were made: caps, duplicates and
  // retention count them from then.
  EXPECT_EQ(Count(dsn_,
                  "SELECT COUNT(*) FROM notifications n JOIN events e USING (event_seq)"
                  " WHERE n.create_time_us < e.receive_time_us"
                  " OR n.create_time_us > e.receive_time_us + 3600000000"),
            0);
  // The work was spread: every instance decided a share of the customers.
  std::string shares;
  for (int n = 0; n < kInstances; ++n) {
    const double mine = instances[n]->Metric("herald_decisions_total");
    EXPECT_GT(mine, 0) << "instance " << n << " decided none";
    shares += (n == 0 ? "" : " / ") + std::to_string(static_cast<int64_t>(mine));
  }
  std::printf("audience of %d over %d instances: decided in %lld ms, shares %s\n", customers,
              kInstances, static_cast<long long>(took), shares.c_str());
  for (auto& instance : instances) EXPECT_EQ(instance->Stop(), 0) << instance->process().Stderr();
}

TEST_F(ScaleOutTest, InstancesKilledAtRandomLoseNothingSendNothingTwiceAndExceedNoCap) {
  const int kills = std::clamp(EnvInt("HERALD_SCALE_KILLS", 20), 1, 1000);
  const auto seed = static_cast<uint64_t>(EnvInt(
      "HERALD_SCALE_SEED",
      static_cast<int>(std::chrono::system_clock::now().time_since_epoch().count() & 0x7fffffff)));
  std::printf("scale-out kill test: %d kills of %d instances, HERALD_SCALE_SEED=%llu\n", kills,
              kInstances, static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  std::mt19937_64 random(seed);

  // Lease: renewed while an instance lives; short, not to hold the end up.
  constexpr std::chrono::seconds kLease{5};
  {
    std::vector<std::unique_ptr<HeralddProcess>> setup;
    StartGroup(setup, kLease);
    if (HasFatalFailure()) return;
    for (auto& instance : setup) ASSERT_EQ(instance->Stop(), 0) << instance->process().Stderr();
  }
  // HeralddProcess wrote each instance's config (listeners on port 0); every start
  // below reuses it.
  auto start = [&](int n) {
    return std::make_unique<Subprocess>(std::vector<std::string>{
        BuiltBinary(HERALDD_PATH), "--config", InstanceDir(n) + "/heraldd.yaml"});
  };
  std::vector<std::unique_ptr<Subprocess>> group;
  for (int n = 0; n < kInstances; ++n) group.push_back(start(n));
  auto processes = [&] {
    std::vector<Subprocess*> out;
    for (auto& p : group) out.push_back(p.get());
    return out;
  };
  // Reads every log while waiting (no pipe may fill); true once `done`.
  auto pump_until = [&](const std::function<bool()>& done, std::chrono::milliseconds limit) {
    return WaitFor(
        [&] {
          for (Subprocess* p : processes()) (void)p->Stderr();
          return done();
        },
        limit);
  };
  auto assigned = [](Subprocess& p) {
    const std::string log = p.Stderr();
    size_t count = 0;
    for (size_t at = log.find("msg=\"partitions assigned\""); at != std::string::npos;
         at = log.find("msg=\"partitions assigned\"", at + 1)) {
      ++count;
    }
    return count;
  };
  for (auto& p : group) {
    ASSERT_TRUE(pump_until([&] { return assigned(*p) > 0; }, kLimit)) << p->Stderr();
  }

  Backend backend(bootstrap_);
  std::set<std::string> killed;  // instance names
  int killed_starting = 0;
  for (int k = 0; k < kills; ++k) {
    const int victim = static_cast<int>(random() % kInstances);
    const bool starting = random() % 8 == 0;
    if (starting) {
      // Killed during start-up: a fresh one, after up to 400 ms.
      killed.insert(InstanceName(*group[victim]));
      group[victim]->Signal(SIGKILL);
      group[victim]->Wait();
      group[victim] = start(victim);
      ++killed_starting;
    }
    const auto delay = std::chrono::milliseconds(random() % (starting ? 400 : 1500));
    std::printf("kill %d: instance %d%s, after %lld ms\n", k + 1, victim,
                starting ? " (starting)" : "", static_cast<long long>(delay.count()));
    std::fflush(stdout);
    pump_until([] { return false; }, delay);
    killed.insert(InstanceName(*group[victim]));
    group[victim]->Signal(SIGKILL);
    EXPECT_EQ(group[victim]->Wait(), 128 + SIGKILL) << group[victim]->Stderr();
    group[victim] = start(victim);
    // Back in the group before the next kill.
    ASSERT_TRUE(pump_until([&] { return assigned(*group[victim]) > 0; }, kLimit))
        << group[victim]->Stderr();
  }
  const int events = backend.Stop();

  // To the end: everything produced is decided and sent, the sends of the killed
  // instances resolved once their leases ran out.
  StoredNotifications stored;
  const bool settled = Settle(processes(), events, stored);
  for (auto& p : group) {
    p->Signal(SIGTERM);
    EXPECT_EQ(p->Wait(), 0) << p->Stderr();
  }
  ASSERT_TRUE(settled) << stored.size() << " notifications of " << events << " events";
  const Accounting a = Account(stored, events);

  // Only sends in flight at a kill were cut short, at most an instance's concurrency
  // per channel each, and each by an instance that was killed.
  int interrupted = 0;
  int most = 0;
  for (const auto& [instance, by_channel] : a.interrupted) {
    EXPECT_TRUE(killed.contains(instance)) << "a live instance's send was cut short: " << instance;
    for (const auto& [channel, count] : by_channel) {
      EXPECT_LE(count, kConcurrency) << instance << " " << channel;
      interrupted += count;
      most = std::max(most, count);
    }
  }
  std::printf(
      "scale-out kill test: %d kills (%d during start-up) of %d instances; %d events; %d emails "
      "(%d UNKNOWN: in flight at a kill, %d of them arrived), %d SMS (%d sent again after a "
      "kill with the same key), %d suppressed over the cap; %d sends cut short by %zu of the "
      "kills, at most %d per instance and channel (concurrency %d)\n",
      kills, killed_starting, kInstances, events, a.emails, a.unknown, a.unknown_arrived, a.sms,
      a.resent, a.suppressed, interrupted, a.interrupted.size(), most, kConcurrency);
}

TEST_F(ScaleOutTest, AnInstanceLeavingForGoodHasItsPartitionsAndSendsTakenOver) {
  constexpr std::chrono::seconds kLease{6};
  std::vector<std::unique_ptr<HeralddProcess>> group;
  StartGroup(group, kLease);
  if (HasFatalFailure()) return;
  std::vector<Subprocess*> processes;
  for (auto& instance : group) processes.push_back(&instance->process());
  for (Subprocess* p : processes) {
    ASSERT_TRUE(p->WaitForLine("msg=\"partitions assigned\"", kLimit)) << p->Stderr();
    // Each knows which customers it owns (whose deferrals it releases).
    EXPECT_THAT(p->Stderr(), ::testing::HasSubstr("msg=\"customers owned by partition\" "
                                                  "topic=herald.orders partitions=6"));
  }
  StoredNotifications stored;
  TestProducer kafka(bootstrap_);
  auto produce = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const v1::Event e = ShippedEvent(i);  // customer c<i>: over every partition
      kafka.Send("herald.orders", e.customer_id(), e.SerializeAsString());
    }
  };
  produce(0, 60);
  ASSERT_TRUE(Settle(processes, 60, stored)) << stored.size() << " of 60";

  // The SMTP server stops answering: emails stay in flight. The last instance goes for
  // good while it has some.
  Subprocess& leaving = group.back()->process();
  const std::string name = InstanceName(leaving);
  smtp_->Pause();
  produce(60, 120);
  const std::string in_flight_sql =
      "SELECT COUNT(*) FROM notifications WHERE state = 'SENDING' AND lease_owner = '" + name + "'";
  const bool has_some = WaitFor(
      [&] {
        for (Subprocess* p : processes) (void)p->Stderr();
        return Count(dsn_, in_flight_sql) > 0;
      },
      kLimit);
  if (!has_some) smtp_->Resume();
  ASSERT_TRUE(has_some) << leaving.Stderr();
  const auto gone = std::chrono::steady_clock::now();
  leaving.Signal(SIGKILL);
  EXPECT_EQ(leaving.Wait(), 128 + SIGKILL);
  const int64_t left_in_flight = Count(dsn_, in_flight_sql);
  smtp_->Resume();
  processes.pop_back();

  // The others take its partitions over (events keep coming), then its sends once its
  // leases ran out.
  std::vector<size_t> assignments;
  for (Subprocess* p : processes) assignments.push_back(p->Stderr().size());
  produce(120, 180);
  int64_t partitions_ms = -1;
  int64_t sends_ms = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        bool all = true;
        for (size_t i = 0; i < processes.size(); ++i) {
          const std::string log = processes[i]->Stderr();
          all = all && log.find("msg=\"partitions assigned\"", assignments[i]) != std::string::npos;
        }
        if (all && partitions_ms < 0) partitions_ms = MillisSince(gone);
        if (sends_ms < 0 && Count(dsn_, in_flight_sql) == 0) sends_ms = MillisSince(gone);
        return partitions_ms >= 0 && sends_ms >= 0;
      },
      kLimit))
      << processes[0]->Stderr();
  EXPECT_GE(sends_ms, std::chrono::milliseconds(kLease).count() - 1000)
      << "sends taken over before the lease ran out";
  ASSERT_TRUE(Settle(processes, 180, stored)) << stored.size() << " of 180";
  for (auto& instance : group) {
    if (&instance->process() != &leaving) {
      EXPECT_EQ(instance->Stop(), 0) << instance->process().Stderr();
    }
  }

  const Accounting a = Account(stored, 180);
  // Exactly the sends it had in flight were resolved as cut short, each once, named
  // after it; none of a live instance's.
  ASSERT_EQ(a.interrupted.size(), 1u);
  ASSERT_TRUE(a.interrupted.contains(name));
  int interrupted = 0;
  for (const auto& [channel, count] : a.interrupted.at(name)) interrupted += count;
  EXPECT_EQ(interrupted, left_in_flight);
  EXPECT_LE(left_in_flight, 2 * kConcurrency);
  std::printf(
      "an instance leaving for good: its partitions taken over after %lld ms, its %lld sends "
      "in flight after %lld ms (send_lease %llds); %d emails (%d UNKNOWN), %d SMS (%d sent "
      "again with the same key)\n",
      static_cast<long long>(partitions_ms), static_cast<long long>(left_in_flight),
      static_cast<long long>(sends_ms), static_cast<long long>(kLease.count()), a.emails, a.unknown,
      a.sms, a.resent);
}

// A kill switch on one instance holds what every instance decides, and a resume on
// another releases all of it, each sent once.
TEST_F(ScaleOutTest, APauseOnOneInstanceHoldsWhatEveryInstanceDecidesUntilAnotherResumes) {
  std::vector<std::unique_ptr<HeralddProcess>> group;
  StartGroup(group, std::chrono::seconds(120));
  if (HasFatalFailure()) return;
  std::vector<Subprocess*> processes;
  for (auto& instance : group) processes.push_back(&instance->process());
  for (Subprocess* p : processes) {
    ASSERT_TRUE(p->WaitForLine("msg=\"partitions assigned\"", kLimit)) << p->Stderr();
  }
  auto pause = v1::OperatorService::NewStub(group[0]->Channel());
  v1::PauseSendingRequest request;
  request.mutable_scope()->set_template_name("order-shipped");
  request.set_reason("wrong text");
  v1::PauseSendingResponse paused;
  grpc::ClientContext context;
  ASSERT_TRUE(pause->PauseSending(&context, request, &paused).ok());
  // Every instance has read it before the events come (they poll every 250 ms).
  for (Subprocess* p : processes) {
    ASSERT_TRUE(p->WaitForLine("msg=\"sending paused\" scope=TEMPLATE", kLimit)) << p->Stderr();
  }

  constexpr int kEvents = 60;
  TestProducer kafka(bootstrap_);
  for (int i = 0; i < kEvents; ++i) {
    const v1::Event e = ShippedEvent(i);  // customer c<i>: over every partition
    kafka.Send("herald.orders", e.customer_id(), e.SerializeAsString());
  }
  const std::string held_sql =
      "SELECT COUNT(*) FROM notifications WHERE state = 'DEFERRED' AND due_us IS NULL";
  const bool held = WaitFor(
      [&] {
        for (Subprocess* p : processes) (void)p->Stderr();
        return Count(dsn_, held_sql) == kEvents;
      },
      kLimit);
  ASSERT_TRUE(held) << Count(dsn_, held_sql) << " of " << kEvents << " held";
  for (int n = 0; n < kInstances; ++n) {
    EXPECT_GT(group[n]->Metric("herald_decisions_total", "reason=\"PAUSED\""), 0)
        << "instance " << n << " held none";
  }
  EXPECT_TRUE(MailArrivals(dir_.File("mail")).empty());
  EXPECT_TRUE(sms_.seen().empty());

  auto resume = v1::OperatorService::NewStub(group[kInstances - 1]->Channel());
  v1::ResumeSendingRequest again;
  again.mutable_scope()->set_template_name("order-shipped");
  again.set_reason("text fixed");
  v1::ResumeSendingResponse resumed;
  grpc::ClientContext resume_context;
  ASSERT_TRUE(resume->ResumeSending(&resume_context, again, &resumed).ok());
  EXPECT_EQ(resumed.released_count(), kEvents);
  StoredNotifications stored;
  ASSERT_TRUE(Settle(processes, kEvents, stored));
  const Accounting a = Account(stored, kEvents);
  EXPECT_EQ(a.emails + a.sms, kEvents) << "each sent once";
  for (auto& instance : group) EXPECT_EQ(instance->Stop(), 0) << instance->process().Stderr();
}

TEST_F(ScaleOutTest, PostgresRestartedUnderLoadPausesIntakeLosesNothingAndResumes) {
  // A server of its own: the shared one serves other tests meanwhile.
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto dsn = (*server)->CreateDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  dsn_ = *dsn;
  std::vector<std::unique_ptr<HeralddProcess>> group;
  StartGroup(group, std::chrono::seconds(30));
  if (HasFatalFailure()) return;
  std::vector<Subprocess*> processes;
  for (auto& instance : group) processes.push_back(&instance->process());
  for (Subprocess* p : processes) {
    ASSERT_TRUE(p->WaitForLine("msg=\"partitions assigned\"", kLimit)) << p->Stderr();
  }

  Backend backend(bootstrap_);
  StoredNotifications stored;
  auto pump_until = [&](const std::function<bool()>& done) {
    return WaitFor(
        [&] {
          for (Subprocess* p : processes) (void)p->Stderr();
          return done();
        },
        kLimit);
  };
  ASSERT_TRUE(pump_until([&] { return ReadPostgresNotifications(dsn_).size() >= 50; }));
  // Whether every instance's herald_intake_paused came to `value` (1: paused).
  auto intake_paused_everywhere = [&](double value) {
    return pump_until([&] {
      return std::all_of(group.begin(), group.end(),
                         [&](const auto& i) { return i->Metric("herald_intake_paused") == value; });
    });
  };

  // Down: every instance pauses its intake and stays up.
  ASSERT_TRUE((*server)->Stop().ok());
  const auto down = std::chrono::steady_clock::now();
  EXPECT_TRUE(intake_paused_everywhere(1));
  const int64_t paused_ms = MillisSince(down);
  // Back: intake resumes, and everything that came meanwhile is decided and sent once.
  ASSERT_TRUE((*server)->Restart().ok());
  const auto up = std::chrono::steady_clock::now();
  EXPECT_TRUE(intake_paused_everywhere(0));
  const int64_t resumed_ms = MillisSince(up);
  const int64_t before = Count(dsn_, "SELECT COUNT(*) FROM notifications");
  EXPECT_TRUE(
      pump_until([&] { return Count(dsn_, "SELECT COUNT(*) FROM notifications") >= before + 50; }));
  const int events = backend.Stop();
  ASSERT_TRUE(Settle(processes, events, stored)) << stored.size() << " of " << events;
  for (auto& instance : group) EXPECT_EQ(instance->Stop(), 0) << instance->process().Stderr();
  for (auto& instance : group) {
    EXPECT_THAT(instance->process().Stderr(), ::testing::HasSubstr("consumption paused, retrying"));
  }
  const Accounting a = Account(stored, events);
  EXPECT_EQ(a.unknown, 0);  // no instance stopped
  std::printf(
      "PostgreSQL restarted under load: every instance paused its intake %lld ms after the "
      "server went, resumed %lld ms after it came back; %d events, %d emails, %d SMS, each "
      "arrived once\n",
      static_cast<long long>(paused_ms), static_cast<long long>(resumed_ms), events, a.emails,
      a.sms);
}

}  // namespace
}  // namespace herald::testing
