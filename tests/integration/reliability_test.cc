// Reliability: heraldd killed with SIGKILL at random moments while events flow, and
// restarted, many times; the disk under its SQLite file full or read-only; the SMS
// provider refusing. At the end of each, every event is accounted for at the sinks.
//
// HERALD_CRASH_CYCLES sets the number of kills (default 50, at most 1000) and
// HERALD_CRASH_SEED the seed of the kill moments (default: from the clock; printed, so a
// failing run can be repeated).
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "herald/v1/event.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "tests/integration/delivery_accounting.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/integration/sms_sink.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/built_binary.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

// Bounds for a broken build, not timing expectations: the test waits for states.
constexpr std::chrono::seconds kLimit{120};
// Secrets of the config, which no log line may hold.
constexpr char kSmsToken[] = "sms-t0ken-9f3a71";
constexpr char kReceiptSecret[] = "receipt-s3cret-77ab02";

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

bool WaitFor(const std::function<bool()>& done) { return testing::WaitFor(done, kLimit); }

class ReliabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Subprocess>(
        std::vector<std::string>{BuiltBinary(DEVBROKER_PATH), "--partitions", "4", "--control",
                                 dir_.File("broker.control")});
    auto ready = broker_->WaitForLine("msg=\"ready\"", std::chrono::seconds(30));
    ASSERT_TRUE(ready.has_value()) << broker_->Stderr();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*ready, match, std::regex("bootstrap=([^ ]+)")));
    bootstrap_ = match[1];
    smtp_ = std::make_unique<SmtpSink>(dir_.File("mail"));
    ASSERT_TRUE(smtp_->ready()) << smtp_->Stderr();
  }

  void TearDown() override {
    smtp_.reset();
    broker_->Signal(SIGTERM);
    broker_->Wait();
  }

  // Email is not sent again after a crash (UNKNOWN); SMS is, with the same idempotency
  // key, to a provider that honours it. A short session timeout: the broker holds a
  // killed member's partitions until its session expires, and every restart waits for
  // that. Not shorter than 3.5 s: the first member to join an empty group waits 3 s for
  // others, sends nothing meanwhile, and a session shorter than that ends in the wait
  // (the join is then never answered). Offsets committed every 250 ms, not 5 s: an
  // instance killed a second after it got its partitions has still moved them on.
  std::string Config() const {
    return "kafka:\n  embedded: false\n  bootstrap_servers: " + bootstrap_ +
           "\n  max_batch: 50\n"
           "  consumer_properties:\n    session.timeout.ms: \"3500\"\n"
           "    heartbeat.interval.ms: \"250\"\n"
           "    auto.commit.interval.ms: \"250\"\n"
           "policy:\n  quiet_hours: \"off\"\n"
           "email:\n  url: " +
           smtp_->url() +
           "\n  from_address: noreply@herald.example\n"
           "  initial_backoff: 1s\n  max_backoff: 1s\n"
           "  rate_per_second: 1000\n  burst: 1000\n"
           "sms:\n  provider: generic_json\n  url: " +
           sms_.url("/send") + "\n  token: " + std::string(kSmsToken) +
           "\n  resend_after_crash: true\n"
           "  initial_backoff: 1s\n  max_backoff: 1s\n"
           "  rate_per_second: 1000\n  burst: 1000\n"
           "dispatch:\n  max_batch: 20\n"
           "receipts:\n  generic_secret: " +
           std::string(kReceiptSecret) + "\n";
  }

  void CreateTemplate(HeralddProcess& heraldd) { CreateOrderShippedTemplate(heraldd); }

  // A fault of the broker (herald-devbroker --control), in effect when this returns.
  void Broker(const std::string& command) {
    std::ofstream(dir_.File("broker.control")) << command << "\n";
    EXPECT_TRUE(broker_->WaitForLine("command=\"" + command + "\"", kLimit).has_value())
        << broker_->Stderr();
    EXPECT_THAT(broker_->Stderr(), ::testing::Not(::testing::HasSubstr("bad command")));
  }

  // Once every notification has ended: each of the events e-0 .. e-<events - 1> made
  // exactly one notification, each delivered as AccountDeliveries checks; none
  // suppressed (every customer has one order).
  Accounting Account(const std::string& db, int events) {
    std::vector<std::string> event_ids;
    for (int i = 0; i < events; ++i) event_ids.push_back("e-" + std::to_string(i));
    const Accounting a = AccountDeliveries(ReadSqliteNotifications(db), event_ids,
                                           MailArrivals(dir_.File("mail")), sms_.seen());
    EXPECT_EQ(a.suppressed, 0);
    EXPECT_EQ(a.emails + a.sms, events);
    return a;
  }

  // Waits until the notifications of all `events` have ended (SENT or UNKNOWN). The
  // bound grows with the backlog: the last instance inherits what every killed one left
  // (thousands, under the sanitizers, on a machine other tests share).
  bool Settle(HeralddProcess& heraldd, const std::string& db, int events,
              StoredNotifications& stored) {
    return testing::WaitFor(
        [&] {
          (void)heraldd.process().Stderr();  // keeps its log pipe from filling
          stored = ReadSqliteNotifications(db);
          return AllEnded(stored, static_cast<size_t>(events));
        },
        kLimit + std::chrono::milliseconds(20) * events);
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> broker_;
  std::string bootstrap_;
  std::unique_ptr<SmtpSink> smtp_;
  SmsSink sms_;
};

class CrashTest : public ReliabilityTest {};

// What no log line may hold: the config's secrets (and the customers' contact data).
void ExpectNothingSecretIn(const std::string& logs, const std::string& admin_token) {
  const std::vector<std::string> contact = UnmaskedContactData(logs);
  EXPECT_TRUE(contact.empty()) << contact.size() << " unmasked, e.g. " << contact.front();
  for (const std::string& secret :
       {std::string(kSmsToken), std::string(kReceiptSecret), admin_token, admin_token.substr(20)}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << "a secret is in the log";
  }
}

TEST_F(CrashTest, KilledAtRandomMomentsItLosesNothingAndSendsNothingTwice) {
  const int cycles = std::clamp(EnvInt("HERALD_CRASH_CYCLES", 50), 1, 1000);
  const auto seed = static_cast<uint64_t>(EnvInt(
      "HERALD_CRASH_SEED",
      static_cast<int>(std::chrono::system_clock::now().time_since_epoch().count() & 0x7fffffff)));
  std::printf("crash test: %d cycles, HERALD_CRASH_SEED=%llu\n", cycles,
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  std::mt19937_64 random(seed);

  const std::string db = dir_.File("herald.db");
  const std::string config_path = dir_.File("heraldd.yaml");
  {
    HeralddProcess setup(dir_.path().string(), db, Config());
    ASSERT_TRUE(setup.ready()) << setup.process().Stderr();
    CreateTemplate(setup);
    ASSERT_EQ(setup.Stop(), 0) << setup.process().Stderr();
  }
  // HeralddProcess wrote the config (listeners on port 0); every start below reuses it.
  ASSERT_TRUE(std::filesystem::exists(config_path));

  // The backend: events at a steady pace, some sent twice (a producer retrying), and
  // some that cannot be processed.
  std::atomic<bool> producing = true;
  std::atomic<int> good = 0;
  std::atomic<int> bad = 0;
  std::atomic<int> retried = 0;
  std::thread producer([&] {
    TestProducer kafka(bootstrap_);
    for (int i = 0; producing; ++i) {
      const v1::Event e = ShippedEvent(i);
      kafka.Send("herald.orders", e.customer_id(), e.SerializeAsString());
      good = i + 1;
      if (i % 10 == 9) {
        const v1::Event again = ShippedEvent(i - 5);
        kafka.Send("herald.orders", again.customer_id(), again.SerializeAsString());
        ++retried;
      }
      if (i % 25 == 0) {
        const int n = bad;
        const std::string key = "bad-" + std::to_string(n);
        v1::Event broken = ShippedEvent(-1 - n);
        if (n % 3 == 0) {
          broken.clear_event_id();
          kafka.Send("herald.orders", key, broken.SerializeAsString());
        } else if (n % 3 == 1) {
          broken.set_event_type("order.beamed");
          kafka.Send("herald.orders", key, broken.SerializeAsString());
        } else {
          kafka.Send("herald.orders", key, R"({"event_id": 7})", "application/json");
        }
        ++bad;
      }
      // Pacing, not correctness: events keep arriving across the kills.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  // Stops the backend however the test ends (an ASSERT returns early).
  struct Join {
    std::atomic<bool>& flag;
    std::thread& thread;
    ~Join() {
      flag = false;
      if (thread.joinable()) thread.join();
    }
  } join{producing, producer};

  // Kill moments: mostly while events flow (after the consumer has its partitions),
  // sometimes during start-up.
  int killed_starting = 0;
  std::string logs;  // of every run
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const auto start = std::chrono::steady_clock::now();
    Subprocess heraldd({BuiltBinary(HERALDD_PATH), "--config", config_path});
    std::chrono::milliseconds delay;
    const bool starting = random() % 8 == 0;
    if (starting) {
      delay = std::chrono::milliseconds(random() % 400);
      ++killed_starting;
    } else {
      ASSERT_TRUE(heraldd.WaitForLine("msg=\"partitions assigned\"", kLimit).has_value())
          << heraldd.Stderr();
      delay = std::chrono::milliseconds(random() % 1500);
    }
    const std::string when =
        starting ? "starting"
                 : "partitions assigned after " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count()) +
                       " ms";
    std::printf("cycle %d: %s, killed %lld ms later\n", cycle + 1, when.c_str(),
                static_cast<long long>(delay.count()));
    std::fflush(stdout);
    const auto kill_at = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < kill_at) {
      (void)heraldd.Stderr();  // keeps its log pipe from filling
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    heraldd.Signal(SIGKILL);
    EXPECT_EQ(heraldd.Wait(), 128 + SIGKILL) << heraldd.Stderr();
    logs += heraldd.Stderr();
  }
  producing = false;
  producer.join();
  const int events = good.load();

  // Once more, to the end: everything produced is decided and sent.
  {
    StoredNotifications stored;
    HeralddProcess last(dir_.path().string(), db, Config());
    ASSERT_TRUE(last.ready()) << last.process().Stderr();
    const bool settled = Settle(last, db, events, stored);
    EXPECT_EQ(last.Stop(), 0) << last.process().Stderr();
    ASSERT_TRUE(settled) << Summary(stored) << " of " << events << " events\n"
                         << last.process().Stderr();
    logs += last.process().Stderr();
    ExpectNothingSecretIn(logs, last.admin_token());
  }
  const Accounting account = Account(db, events);

  // Every event that could not be processed is in the dead-letter topic.
  const std::vector<ReadMessage> letters =
      ReadTopic(bootstrap_, "herald.dlq", 1'000'000, std::chrono::seconds(15));
  std::set<std::string> lettered;
  const char* const kReasons[] = {"MISSING_EVENT_ID", "UNKNOWN_EVENT_TYPE", "MALFORMED_JSON"};
  for (const ReadMessage& letter : letters) {
    const int n = std::atoi(letter.key.c_str() + std::strlen("bad-"));
    EXPECT_EQ(letter.headers.at("herald-dlq-reason"), kReasons[n % 3]) << letter.key;
    lettered.insert(letter.key);
  }
  for (int i = 0; i < bad; ++i) {
    EXPECT_TRUE(lettered.contains("bad-" + std::to_string(i))) << "bad-" << i << " not lettered";
  }

  std::printf(
      "crash test: %d kills (%d during start-up); %d events, %d sent twice by the backend, "
      "%d bad; %d emails (%d UNKNOWN: in flight at a kill, %d of them arrived), %d SMS "
      "(%d sent again after a kill with the same key); %zu dead letters for %d bad events\n",
      cycles, killed_starting, events, retried.load(), bad.load(), account.emails, account.unknown,
      account.unknown_arrived, account.sms, account.resent, letters.size(), bad.load());
}

// A tmpfs mounted for one test: a disk that can be filled or made read-only.
class SmallDisk {
 public:
  SmallDisk(std::string path, const std::string& size) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    RunResult r =
        RunToExit({"/usr/bin/mount", "-t", "tmpfs", "-o", "size=" + size, "herald-test", path_});
    mounted_ = r.exit_code == 0;
    error_ = r.err;
  }
  ~SmallDisk() {
    if (mounted_) RunToExit({"/usr/bin/umount", "--lazy", path_});
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

  /// Fills every free byte.
  void Fill() {
    std::ofstream filler(File("filler"), std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  void Free() { std::filesystem::remove(File("filler")); }
  bool Remount(const std::string& options) {
    return RunToExit({"/usr/bin/mount", "-o", "remount," + options, path_}).exit_code == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

class FaultTest : public ReliabilityTest {
 protected:
  // Events e-<from> .. e-<to - 1>, as a backend sends them.
  void Produce(int from, int to) {
    TestProducer kafka(bootstrap_);
    for (int i = from; i < to; ++i) {
      const v1::Event e = ShippedEvent(i);
      kafka.Send("herald.orders", e.customer_id(), e.SerializeAsString());
    }
  }
};

TEST_F(FaultTest, AFullDiskPausesIntakeWithAClearErrorAndLosesNothingOnceThereIsRoom) {
  SmallDisk disk(dir_.File("disk"), "32m");
  ASSERT_TRUE(disk.mounted()) << "this test mounts a tmpfs (run as root): " << disk.error();
  const std::string db = disk.File("herald.db");
  HeralddProcess heraldd(dir_.path().string(), db, Config());
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
  CreateTemplate(heraldd);
  int events = 20;
  Produce(0, events);
  StoredNotifications stored;
  ASSERT_TRUE(Settle(heraldd, db, events, stored)) << heraldd.process().Stderr();

  // The disk fills up while events keep coming, until the store refuses them.
  disk.Fill();
  ASSERT_TRUE(WaitFor([&] {
    Produce(events, events + 100);
    events += 100;
    (void)heraldd.process().Stderr();
    return heraldd.Metric("herald_intake_paused") == 1;
  })) << heraldd.process().Stderr();
  EXPECT_THAT(heraldd.process().Stderr(), ::testing::HasSubstr("consumption paused, retrying"));
  EXPECT_THAT(heraldd.process().Stderr(), ::testing::HasSubstr("database or disk is full"));
  httplib::Client http("127.0.0.1", heraldd.http_port());
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  // More arrive while it is full; then there is room again.
  Produce(events, events + 50);
  events += 50;
  disk.Free();
  ASSERT_TRUE(Settle(heraldd, db, events, stored)) << stored.size() << " of " << events;
  EXPECT_EQ(heraldd.Metric("herald_intake_paused"), 0);
  EXPECT_EQ(heraldd.Stop(), 0) << heraldd.process().Stderr();
  const Accounting account = Account(db, events);
  std::printf("full disk: %d events, %d emails, %d SMS, each arrived once\n", events,
              account.emails, account.sms);
}

TEST_F(FaultTest, TheSmsProviderRefusingWith429And503DelaysSendsButLosesNone) {
  const std::string db = dir_.File("herald.db");
  HeralddProcess heraldd(dir_.path().string(), db, Config());
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
  CreateTemplate(heraldd);
  // Two "slow down, come back in 2 s", then three "unavailable"; then it takes them.
  sms_.Answer({{429, "2"}, {429, "2"}, {503}, {503}, {503}});
  constexpr int kEvents = 12;  // 6 by SMS
  Produce(0, kEvents);
  StoredNotifications stored;
  ASSERT_TRUE(Settle(heraldd, db, kEvents, stored)) << heraldd.process().Stderr();
  EXPECT_EQ(heraldd.Stop(), 0) << heraldd.process().Stderr();
  Account(db, kEvents);

  // A key refused with Retry-After was not tried again before that time.
  std::map<std::string, std::chrono::steady_clock::time_point> not_before;
  int refused = 0;
  for (const SmsSink::Seen& seen : sms_.seen()) {
    auto wait = not_before.find(seen.idempotency_key);
    if (wait != not_before.end()) {
      EXPECT_GE(seen.time, wait->second) << seen.idempotency_key << " came back too soon";
      not_before.erase(wait);
    }
    if (seen.status == 429) {
      not_before[seen.idempotency_key] = seen.time + std::chrono::seconds(2);
    }
    if (seen.status == 429 || seen.status == 503) ++refused;
  }
  EXPECT_EQ(refused, 5);
}

TEST_F(FaultTest, OnAReadOnlyDiskHeralddRefusesToStartSayingWhyAndLosesNothing) {
  SmallDisk disk(dir_.File("disk"), "32m");
  ASSERT_TRUE(disk.mounted()) << "this test mounts a tmpfs (run as root): " << disk.error();
  const std::string db = disk.File("herald.db");
  StoredNotifications stored;
  {
    HeralddProcess heraldd(dir_.path().string(), db, Config());
    ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
    CreateTemplate(heraldd);
    Produce(0, 10);
    ASSERT_TRUE(Settle(heraldd, db, 10, stored)) << heraldd.process().Stderr();
    ASSERT_EQ(heraldd.Stop(), 0) << heraldd.process().Stderr();
  }

  // The disk turns read-only while heraldd is down, and events keep coming.
  ASSERT_TRUE(disk.Remount("ro"));
  Produce(10, 30);
  Subprocess refused({BuiltBinary(HERALDD_PATH), "--config", dir_.File("heraldd.yaml")});
  const std::optional<std::string> why = refused.WaitForLine("cannot start", kLimit);
  ASSERT_TRUE(why.has_value()) << refused.Stderr();
  EXPECT_THAT(*why, ::testing::HasSubstr(db + " cannot be written (read-only file system)"));
  EXPECT_EQ(refused.Wait(), 1);

  // Writable again: everything that came meanwhile is sent, once.
  ASSERT_TRUE(disk.Remount("rw"));
  HeralddProcess heraldd(dir_.path().string(), db, Config());
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
  ASSERT_TRUE(Settle(heraldd, db, 30, stored)) << stored.size() << " of 30\n"
                                               << heraldd.process().Stderr();
  EXPECT_EQ(heraldd.Stop(), 0) << heraldd.process().Stderr();
  Account(db, 30);
}

TEST_F(FaultTest, TheBrokerDownAndBackAndFailingKafkaRequestsLoseNothing) {
  const std::string db = dir_.File("herald.db");
  HeralddProcess heraldd(dir_.path().string(), db, Config());
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
  CreateTemplate(heraldd);
  Produce(0, 20);
  StoredNotifications stored;
  ASSERT_TRUE(Settle(heraldd, db, 20, stored)) << heraldd.process().Stderr();

  // The broker stops answering: heraldd says so and stays up.
  Broker("down 1");
  ASSERT_TRUE(WaitFor([&] {
    return heraldd.process().Stderr().find("msg=\"librdkafka error\"") != std::string::npos;
  })) << heraldd.process().Stderr();
  httplib::Client http("127.0.0.1", heraldd.http_port());
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  Broker("up 1");
  Produce(20, 60);
  ASSERT_TRUE(Settle(heraldd, db, 60, stored)) << stored.size() << " of 60";

  // Requests fail: fetches, offset commits, produces (dead letters, state changes) and
  // the group's heartbeats.
  Broker("errors Fetch 5 NOT_LEADER_FOR_PARTITION");
  Broker("errors OffsetCommit 5 REQUEST_TIMED_OUT");
  Broker("errors Produce 5 REQUEST_TIMED_OUT");
  Broker("errors Heartbeat 3 COORDINATOR_NOT_AVAILABLE");
  Produce(60, 100);
  {
    TestProducer kafka(bootstrap_);
    v1::Event bad = ShippedEvent(-1);
    bad.clear_event_id();
    kafka.Send("herald.orders", "bad-0", bad.SerializeAsString());
  }
  ASSERT_TRUE(Settle(heraldd, db, 100, stored)) << stored.size() << " of 100";
  const std::vector<ReadMessage> letters =
      ReadTopic(bootstrap_, "herald.dlq", 1, std::chrono::seconds(60));
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].key, "bad-0");
  EXPECT_EQ(letters[0].headers.at("herald-dlq-reason"), "MISSING_EVENT_ID");
  EXPECT_EQ(heraldd.Stop(), 0) << heraldd.process().Stderr();
  Account(db, 100);
}

class BadInputTest : public FaultTest {};

// tests/fixtures/bad-input: malformed events and profiles, each with the reason it must
// be dead-lettered for (MANIFEST.tsv).
TEST_F(BadInputTest, EveryMessageOfTheCorpusIsDeadLetteredWithItsReasonAndHeralddGoesOn) {
  struct Case {
    std::string file, topic, key, content_type, reason;
  };
  std::vector<Case> cases;
  std::ifstream manifest(std::string(BAD_INPUT_DIR) + "/MANIFEST.tsv");
  for (std::string line; std::getline(manifest, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Case c;
    ASSERT_TRUE(fields >> c.file >> c.topic >> c.key >> c.content_type >> c.reason) << line;
    if (c.key == "-") c.key = c.file;
    if (c.content_type == "-") c.content_type.clear();
    cases.push_back(c);
  }
  ASSERT_GE(cases.size(), 15u);

  const std::string db = dir_.File("herald.db");
  HeralddProcess heraldd(dir_.path().string(), db,
                         Config() + "ingest:\n  max_event_bytes: 16384\n");
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
  CreateTemplate(heraldd);
  {
    TestProducer kafka(bootstrap_);
    for (const Case& c : cases) {
      std::ifstream in(std::string(BAD_INPUT_DIR) + "/" + c.file, std::ios::binary);
      const std::string value((std::istreambuf_iterator<char>(in)), {});
      ASSERT_FALSE(value.empty()) << c.file;
      kafka.Send(c.topic, c.key, value, c.content_type);
    }
  }
  const std::vector<ReadMessage> letters =
      ReadTopic(bootstrap_, "herald.dlq", cases.size(), kLimit);
  std::map<std::string, ReadMessage> by_key;
  for (const ReadMessage& letter : letters) by_key[letter.key] = letter;
  for (const Case& c : cases) {
    ASSERT_TRUE(by_key.contains(c.key)) << c.file << " was not dead-lettered";
    const ReadMessage& letter = by_key[c.key];
    EXPECT_EQ(letter.headers.at("herald-dlq-reason"), c.reason)
        << c.file << ": " << letter.headers.at("herald-dlq-detail");
    EXPECT_EQ(letter.headers.at("herald-source-topic"), c.topic) << c.file;
    EXPECT_FALSE(letter.headers.at("herald-dlq-detail").empty()) << c.file;
  }

  // Healthy, and good events still go through.
  httplib::Client http("127.0.0.1", heraldd.http_port());
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  Produce(0, 4);
  StoredNotifications stored;
  ASSERT_TRUE(Settle(heraldd, db, 4, stored)) << heraldd.process().Stderr();
  EXPECT_EQ(heraldd.Metric("herald_dead_letters_total"), static_cast<double>(cases.size()));
  EXPECT_EQ(heraldd.Stop(), 0) << heraldd.process().Stderr();
  Account(db, 4);
}

}  // namespace
}  // namespace herald::testing
