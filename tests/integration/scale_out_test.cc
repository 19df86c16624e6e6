// Several heraldd in one consumer group over one PostgreSQL: an audience split over all
// of them, each customer decided once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/support/postgres_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::testing {
namespace {

int64_t Count(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  const int64_t n =
      PQresultStatus(result) == PGRES_TUPLES_OK ? std::atoll(PQgetvalue(result, 0, 0)) : -1;
  PQclear(result);
  PQfinish(conn);
  return n;
}

class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Subprocess>(std::vector<std::string>{
        DEVBROKER_PATH, "--partitions", "6", "--control", dir_.File("broker.control")});
    auto ready = broker_->WaitForLine("msg=\"ready\"", std::chrono::seconds(30));
    ASSERT_TRUE(ready.has_value()) << broker_->Stderr();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*ready, match, std::regex("bootstrap=([^ ]+)")));
    bootstrap_ = match[1];
    auto dsn = PostgresServer::Shared().CreateDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    dsn_ = *dsn;
  }

  void TearDown() override {
    broker_->Signal(SIGTERM);
    broker_->Wait();
  }

  // One instance of the group: audiences of 100 or more split over the instances.
  std::unique_ptr<HeralddProcess> Instance(int n) {
    const std::string dir = dir_.File("instance-" + std::to_string(n));
    std::filesystem::create_directories(dir);
    return std::make_unique<HeralddProcess>(
        dir, dsn_,
        "kafka:\n  embedded: false\n  bootstrap_servers: " + bootstrap_ +
            "\n  consumer_properties:\n    session.timeout.ms: \"2500\"\n"
            "    heartbeat.interval.ms: \"250\"\n"
            "ingest:\n  fanout_min_audience: 100\n"
            "policy:\n  quiet_hours: \"off\"\n");
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> broker_;
  std::string bootstrap_;
  std::string dsn_;
};

TEST_F(ScaleOutTest, AnAudienceIsSplitOverEveryInstanceAndEachCustomerDecidedOnce) {
  constexpr int kInstances = 3;
  constexpr int kCustomers = 3000;
  std::vector<std::unique_ptr<HeralddProcess>> instances;
  for (int n = 0; n < kInstances; ++n) {
    instances.push_back(Instance(n));
    ASSERT_TRUE(instances.back()->ready()) << instances.back()->process().Stderr();
  }
  // Every instance has its share of the partitions before the outage comes.
  for (auto& instance : instances) {
    ASSERT_TRUE(
        instance->process().WaitForLine("msg=\"partitions assigned\"", std::chrono::seconds(60)))
        << instance->process().Stderr();
  }
  std::vector<std::string> customers;
  for (int i = 0; i < kCustomers; ++i) customers.push_back("cust-" + std::to_string(i));
  TestProducer kafka(bootstrap_);
  kafka.Send("herald.service", "noc",
             Outage("outage-1", customers,
                    std::chrono::time_point_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now()))
                 .SerializeAsString());

  const bool decided = WaitFor(
      [&] {
        return Count(dsn_, "SELECT COUNT(*) FROM notifications WHERE state != 'PENDING'") >=
               kCustomers;
      },
      std::chrono::seconds(120));
  if (!decided) {
    for (auto& instance : instances) ADD_FAILURE() << instance->process().Stderr();
  }
  ASSERT_TRUE(decided) << Count(dsn_, "SELECT COUNT(*) FROM notifications") << " of " << kCustomers;
  EXPECT_EQ(Count(dsn_, "SELECT COUNT(*) FROM notifications"), kCustomers);
  EXPECT_EQ(Count(dsn_, "SELECT COUNT(DISTINCT customer_id) FROM notifications"), kCustomers);
  EXPECT_EQ(Count(dsn_, "SELECT COUNT(*) FROM events WHERE complete"), 1);
  // The work was spread: every instance decided a share of the customers.
  for (int n = 0; n < kInstances; ++n) {
    const double mine = instances[n]->Metric("herald_decisions_total");
    EXPECT_GT(mine, 0) << "instance " << n << " decided none";
    std::printf("instance %d decided %.0f of %d\n", n, mine, kCustomers);
  }
  for (auto& instance : instances) EXPECT_EQ(instance->Stop(), 0) << instance->process().Stderr();
}

}  // namespace
}  // namespace herald::testing
