// herald-bench: what heraldd does on this machine, against the raw Kafka consume rate
// of the same messages in the same run. It starts an embedded broker, loads customer
// profiles (through the profiles topic) and the example templates, offers events at a
// fixed rate to a heraldd with an SMS connector and times each from its produce call
// to the SMS provider's door (p50/p95/p99), then produces N mixed
// order, service and fraud events (protobuf, keyed by customer), reads them back with
// a plain librdkafka consumer, then lets a heraldd process consume them and times it
// from the first event recorded to the last notification decided and durable; then
// one outage event addressing every customer, timed until all are decided. The report
// is JSON (stdout, or --out). Loopback only.
#include <curl/curl.h>
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "connectors/email/mime.h"
#include "connectors/email/smtp_connector.h"
#include "connectors/sms/sms_connector.h"
#include "herald/v1/event.pb.h"
#include "herald/v1/profile_service.pb.h"
#include "services/core/clock.h"
#include "services/core/notification.h"
#include "services/ingest/embedded_broker.h"
#include "tests/support/metrics_text.h"

extern char** environ;

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Children still running; Fail kills them, since exit() runs no destructors of locals.
std::mutex children_mu;
std::set<pid_t> children;

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "herald-bench: " << what << "\n";
  {
    std::lock_guard lock(children_mu);
    for (pid_t pid : children) kill(pid, SIGKILL);
  }
  std::exit(1);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A child process with its stderr in a file; SIGKILLed if still running at the end.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 1, (log + ".out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) {
      Fail("cannot start " + argv[0]);
    }
    posix_spawn_file_actions_destroy(&actions);
    std::lock_guard lock(children_mu);
    children.insert(pid_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }

  pid_t pid() const { return pid_; }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  /// The first match of `pattern`'s group 1 in the log, waiting up to `limit`.
  std::string WaitFor(const std::string& pattern, std::chrono::seconds limit) const {
    const std::regex re(pattern);
    const auto give_up = Clock::now() + limit;
    while (Clock::now() < give_up) {
      std::smatch m;
      const std::string log = Log();
      if (std::regex_search(log, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Fail("no \"" + pattern + "\" in " + log_ + ":\n" + Log());
  }
  /// SIGTERM, then the exit code.
  int Stop() {
    kill(pid_, SIGTERM);
    return Wait();
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    {
      std::lock_guard lock(children_mu);
      children.erase(pid_);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  /// Peak resident memory so far (VmHWM), in KiB.
  long PeakRssKib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// heraldd as a process, with its ports read from its log.
class Heraldd {
 public:
  Heraldd(const std::string& binary, const std::string& config, const std::string& log)
      : child_({binary, "--config", config}, log) {
    child_.WaitFor("msg=\"ready\"", std::chrono::seconds(60));
    http_port_ = std::stoi(
        child_.WaitFor("protocol=http address=127.0.0.1:([0-9]+)", std::chrono::seconds(1)));
    grpc_ = "127.0.0.1:" +
            child_.WaitFor("protocol=grpc address=127.0.0.1:([0-9]+)", std::chrono::seconds(1));
  }

  const std::string& grpc() const { return grpc_; }
  Child& child() { return child_; }

  /// The sum of every series of a metric whose labels contain `labels`.
  double Metric(const std::string& name, const std::string& labels = "") {
    return testing::SumMetric(Metrics(), name, labels);
  }
  /// What /metrics says now.
  std::string Metrics() {
    httplib::Client http("127.0.0.1", http_port_);
    auto response = http.Get("/metrics");
    if (!response || response->status != 200) Fail("heraldd's /metrics does not answer");
    return response->body;
  }

 private:
  Child child_;
  int http_port_ = 0;
  std::string grpc_;
};

std::unique_ptr<RdKafka::Conf> Conf(const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [k, v] : properties) {
    if (conf->set(k, v, error) != RdKafka::Conf::CONF_OK) Fail("kafka " + k + ": " + error);
  }
  return conf;
}

struct Message {
  std::string topic;
  std::string key;
  std::string value;
  /// For an event: the notification its template makes for the customer.
  std::string notification_id = {};
};

std::unique_ptr<RdKafka::Producer> NewProducer(const std::string& bootstrap,
                                               const std::string& linger_ms) {
  auto conf = Conf({{"bootstrap.servers", bootstrap},
                    {"linger.ms", linger_ms},
                    {"queue.buffering.max.messages", "1000000"}});
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (producer == nullptr) Fail("producer: " + error);
  return producer;
}

// Queues one message (protobuf, with its content-type header), waiting while the local
// queue is full.
void Send(RdKafka::Producer& producer, const Message& m) {
  RdKafka::Headers* headers = RdKafka::Headers::create();
  headers->add("content-type", "application/x-protobuf");
  while (true) {
    RdKafka::ErrorCode err =
        producer.produce(m.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         const_cast<char*>(m.value.data()), m.value.size(), m.key.data(),
                         m.key.size(), 0, headers, nullptr);
    if (err == RdKafka::ERR_NO_ERROR) return;
    if (err != RdKafka::ERR__QUEUE_FULL) Fail("produce: " + RdKafka::err2str(err));
    producer.poll(10);
  }
}

// Produces every message and waits for the broker.
double Produce(const std::string& bootstrap, const std::vector<Message>& messages) {
  std::unique_ptr<RdKafka::Producer> producer = NewProducer(bootstrap, "5");
  const auto start = Clock::now();
  for (const Message& m : messages) Send(*producer, m);
  if (producer->flush(120'000) != RdKafka::ERR_NO_ERROR) Fail("produce: not all acknowledged");
  return Seconds(Clock::now() - start);
}

// Reads `count` messages of `topics` with a plain consumer of its own group; the rate
// from the first message to the last.
double RawConsumeRate(const std::string& bootstrap, const std::vector<std::string>& topics,
                      size_t count) {
  auto conf = Conf({{"bootstrap.servers", bootstrap},
                    {"group.id", "herald-bench-raw"},
                    {"auto.offset.reset", "earliest"},
                    {"enable.auto.commit", "false"},
                    // As heraldd's consumer: librdkafka 2.0.2 stalls fetching without these.
                    {"queued.min.messages", "1000000"},
                    {"queued.max.messages.kbytes", "65536"},
                    {"fetch.wait.max.ms", "10"}});
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (consumer == nullptr) Fail("consumer: " + error);
  consumer->subscribe(topics);
  size_t seen = 0;
  Clock::time_point first;
  Clock::time_point last;
  const auto give_up = Clock::now() + std::chrono::minutes(10);
  while (seen < count && Clock::now() < give_up) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    if (seen == 0) first = Clock::now();
    last = Clock::now();
    ++seen;
  }
  consumer->close();
  if (seen < count) Fail("the raw consumer read only " + std::to_string(seen));
  return count / std::max(Seconds(last - first), 1e-6);
}

std::string Iso(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%FT%TZ", std::gmtime(&s));
  return buffer;
}

std::string Serialize(const std::string& json, google::protobuf::Message& message) {
  if (!google::protobuf::util::JsonStringToMessage(json, &message).ok()) {
    Fail("bad generated JSON: " + json);
  }
  return message.SerializeAsString();
}

// Customer i: Dutch or English, email and phone, SMS or email first.
Message Profile(int i) {
  const std::string id = "cust-" + std::to_string(i);
  const bool dutch = i % 3 != 0;
  char phone[32];
  std::snprintf(phone, sizeof phone, "+3161%07d", i % 10'000'000);
  std::ostringstream json;
  json << R"({"profile": {"customer_id": ")" << id << R"(", "display_name": "Customer )" << i
       << R"(", "email": ")" << id << R"(@example.nl", "phone": ")" << phone << R"(", "locale": ")"
       << (dutch ? "nl-NL" : "en-GB") << R"(", "time_zone": ")"
       << (dutch ? "Europe/Amsterdam" : "Europe/London") << R"(", "preferred_channels": [)"
       << (i % 2 == 0 ? R"("CHANNEL_SMS", "CHANNEL_EMAIL")" : R"("CHANNEL_EMAIL", "CHANNEL_SMS")")
       << R"(]}, "allow_missing": true})";
  v1::UpdateProfileRequest request;
  return {"herald.profiles", id, Serialize(json.str(), request)};
}

// Event n for a customer: 60% orders shipped, 25% appointment reminders, 15% suspicious
// logins.
Message Event(int n, int customer, const std::string& now, const std::string& tomorrow,
              const std::string& prefix = "bench-") {
  const std::string id = "cust-" + std::to_string(customer);
  const std::string event_id = prefix + std::to_string(n);
  std::ostringstream json;
  std::string topic;
  std::string template_name;
  const int kind = n % 20;
  json << R"({"event_id": ")" << event_id << R"(", "occur_time": ")" << now
       << R"(", "customer_id": ")" << id << R"(", )";
  if (kind < 12) {
    topic = "herald.orders";
    template_name = "order-shipped";
    json << R"("event_type": "order.shipped", "source": "webshop", "order": {"order_id": ")" << n
         << R"(", "carrier": "PostNL", "tracking_url": "https://track.example/)" << n
         << R"(", "expected_delivery_time": ")" << tomorrow
         << R"(", "items": [{"name": "Rooibos tea", "quantity": 2}]}})";
  } else if (kind < 17) {
    topic = "herald.service";
    template_name = "appointment-reminder";
    json << R"("event_type": "service.appointment_reminder", "source": "agenda", )"
         << R"("service": {"appointment": {"appointment_id": "APT-)" << n << R"(", "start_time": ")"
         << tomorrow << R"(", "location": "Neude 11, Utrecht", "purpose": "mortgage advice"}}})";
  } else {
    topic = "herald.fraud";
    template_name = "suspicious-login";
    json << R"("event_type": "fraud.suspicious_login", "source": "fraud-engine", )"
         << R"("fraud": {"alert_id": "ALERT-)" << n
         << R"(", "action_url": "https://herald.example/block", "login": {"login_time": ")" << now
         << R"(", "location": "Lagos, NG", "device": "Chrome on Windows"}}})";
  }
  v1::Event event;
  return {topic, id, Serialize(json.str(), event),
          core::NotificationId(event_id, id, template_name)};
}

// A local SMS provider (the generic JSON API): takes every message at once and notes
// when each notification (its Idempotency-Key) arrived.
class SmsSink {
 public:
  SmsSink() {
    // A thread per kept-alive connection: more than heraldd opens.
    server_.new_task_queue = [] { return new httplib::ThreadPool(160); };
    // Without it each answer's second write waits for the client's delayed ACK (40 ms).
    server_.set_tcp_nodelay(true);
    // A provider's API keeps a connection for many requests (httplib closes it after 5).
    server_.set_keep_alive_max_count(100'000);
    server_.Post("/send", [this](const httplib::Request& request, httplib::Response& response) {
      const auto now = std::chrono::system_clock::now();
      std::lock_guard lock(mu_);
      arrived_.emplace(request.get_header_value("Idempotency-Key"), now);
      response.set_content("{\"id\": \"s-" + std::to_string(arrived_.size()) + "\"}",
                           "application/json");
    });
    // httplib listens with a backlog of 5: heraldd's first burst of connections would
    // overflow it, and each dropped SYN costs a second. A provider's backlog is larger.
    int listener = -1;
    server_.set_socket_options([&listener](socket_t sock) {
      httplib::default_socket_options(sock);
      listener = sock;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (listener >= 0) ::listen(listener, SOMAXCONN);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~SmsSink() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/send"; }
  std::map<std::string, std::chrono::system_clock::time_point> arrived() {
    std::lock_guard lock(mu_);
    return arrived_;
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return arrived_.size();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::chrono::system_clock::time_point> arrived_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[i];
}

void WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit,
               const std::string& what) {
  const auto give_up = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > give_up) Fail("timed out waiting for " + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string MachineModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// Sends numbered messages 0..count-1 from `threads` threads, each with a sender of its
// own from make_sender (true: accepted); messages per second. Fails if one is refused.
using Sender = std::function<bool(int)>;
double SendRate(int count, int threads, const std::function<Sender()>& make_sender,
                const std::string& what) {
  std::atomic<int> next{0};
  std::atomic<int> refused{0};
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&] {
      const Sender send = make_sender();
      for (int n = next++; n < count; n = next++) {
        if (!send(n)) ++refused;
      }
    });
  }
  for (std::thread& t : senders) t.join();
  const double seconds = Seconds(Clock::now() - start);
  if (refused > 0) Fail(std::to_string(refused) + " " + what + " were not accepted");
  return count / seconds;
}

// SMS/s through the SMS connector (libcurl multi, kept-alive connections) into the
// local provider: `count` sends from as many threads as the connector takes at once.
double SmsConnectorRate(int count, int in_flight) {
  SmsSink sink;
  core::SystemClock clock;
  auto connector = connectors::sms::SmsConnector::Create(
      connectors::sms::MakeGenericJsonProvider({.url = sink.url(), .token = "bench"}),
      {.max_in_flight = in_flight}, clock);
  if (!connector.ok()) Fail(connector.status().ToString());
  return SendRate(
      count, in_flight,
      [&]() -> Sender {
        return [&](int n) {
          connectors::Delivery d;
          d.notification_id = "n-sms-" + std::to_string(n);
          d.address = "+31612345678";
          d.message.channel = core::Channel::kSms;
          d.message.sms_text = "Je bestelling " + std::to_string(n) + " is onderweg met PostNL.";
          return SendAndWait(**connector, d).outcome == connectors::SendOutcome::kAccepted;
        };
      },
      "SMS");
}

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A free loopback port, for a server that cannot be told to take port 0.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    Fail("cannot find a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in address = Loopback(port);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

// Postfix's smtp-sink: an SMTP server that accepts every mail and keeps none.
class SmtpSink {
 public:
  explicit SmtpSink(const std::string& log)
      : port_(FreePort()),
        child_({"/usr/sbin/smtp-sink", "-u", "nobody", "127.0.0.1:" + std::to_string(port_), "256"},
               log) {
    WaitUntil([&] { return Accepts(port_); }, std::chrono::seconds(10), "smtp-sink");
  }
  ~SmtpSink() { child_.Stop(); }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  Child child_;
};

connectors::Delivery Email(int n) {
  connectors::Delivery d;
  d.notification_id = "n-mail-" + std::to_string(n);
  d.address = "cust-" + std::to_string(n) + "@example.nl";
  d.message.channel = core::Channel::kEmail;
  d.message.subject = "Je bestelling " + std::to_string(n) + " is onderweg";
  d.message.text_body =
      "Hallo,\n\nJe bestelling " + std::to_string(n) +
      " is onderweg met PostNL. Volg je pakket met code 3SABCD1234567.\n\nGroet, Herald Bank\n";
  d.message.html_body = "<p>Hallo,</p><p>Je bestelling <b>" + std::to_string(n) +
                        "</b> is onderweg met PostNL.</p><p>Groet, Herald Bank</p>";
  return d;
}

// Emails/s through the email connector (a pool of kept connections, MIME built per
// mail) into `url`, from as many threads as the pool has connections.
double EmailConnectorRate(const std::string& url, int count, int pool) {
  core::SystemClock clock;
  auto connector =
      connectors::email::SmtpConnector::Create({.url = url,
                                                .starttls = connectors::email::StartTls::kOff,
                                                .from_address = "noreply@herald.example",
                                                .from_name = "Herald Bank",
                                                .pool_size = pool},
                                               clock);
  if (!connector.ok()) Fail(connector.status().ToString());
  return SendRate(
      count, pool,
      [&]() -> Sender {
        return [&](int n) {
          return SendAndWait(**connector, Email(n)).outcome == connectors::SendOutcome::kAccepted;
        };
      },
      "emails");
}

// One kept SMTP connection sending the same message again and again.
class CurlMailer {
 public:
  CurlMailer(const std::string& url, const std::string& message, const std::string& to)
      : easy_(curl_easy_init()),
        to_(curl_slist_append(nullptr, ("<" + to + ">").c_str())),
        message_(message) {
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_MAIL_FROM, "<noreply@herald.example>");
    curl_easy_setopt(easy_, CURLOPT_MAIL_RCPT, to_);
    curl_easy_setopt(easy_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy_, CURLOPT_READFUNCTION, Read);
    curl_easy_setopt(easy_, CURLOPT_READDATA, this);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  }
  CurlMailer(const CurlMailer&) = delete;
  CurlMailer& operator=(const CurlMailer&) = delete;
  ~CurlMailer() {
    curl_slist_free_all(to_);
    curl_easy_cleanup(easy_);
  }
  bool Send() {
    sent_ = 0;
    return curl_easy_perform(easy_) == CURLE_OK;
  }

 private:
  static size_t Read(char* buffer, size_t size, size_t items, void* self) {
    auto* mailer = static_cast<CurlMailer*>(self);
    const size_t n = std::min(size * items, mailer->message_.size() - mailer->sent_);
    std::memcpy(buffer, mailer->message_.data() + mailer->sent_, n);
    mailer->sent_ += n;
    return n;
  }

  CURL* easy_;
  curl_slist* to_;
  const std::string& message_;
  size_t sent_ = 0;
};

// The same mails from a bare libcurl loop: one kept connection per thread, the message
// built once beforehand. What the connector is compared with.
double BareCurlEmailRate(const std::string& url, int count, int threads) {
  connectors::Delivery d = Email(0);
  auto message = connectors::email::BuildMessage(
      {.from_name = "Herald Bank",
       .from_address = "noreply@herald.example",
       .to = d.address,
       .subject = d.message.subject,
       .message_id = "n-mail-0@herald.example",
       .date = std::chrono::time_point_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now()),
       .list_unsubscribe = {},
       .one_click = false,
       .extra = {}},
      d.message.text_body, d.message.html_body);
  if (!message.ok()) Fail(message.status().ToString());
  return SendRate(
      count, threads,
      [&]() -> Sender {
        auto mailer = std::make_shared<CurlMailer>(url, *message, d.address);
        return [mailer](int) { return mailer->Send(); };
      },
      "bare libcurl mails");
}

}  // namespace

int Main(int argc, char** argv) {
  const std::filesystem::path self = std::filesystem::canonical("/proc/self/exe");
  const std::filesystem::path build = self.parent_path().parent_path().parent_path();
  int events = 100'000;
  int customers = 100'000;
  int partitions = 16;
  std::string heraldd_path = (build / "services/heraldd/heraldd").string();
  std::string heraldctl_path = (build / "tools/heraldctl/heraldctl").string();
  std::string templates = HERALD_SOURCE_DIR "/deploy/templates";
  std::string out;
  int rate = 10'000;
  double latency_seconds = 3;
  bool keep = false;
  CLI::App app{"herald-bench: heraldd's pipeline against the raw Kafka consume rate"};
  app.add_option("--events", events, "Events to produce")->capture_default_str();
  app.add_option("--customers", customers, "Customer profiles to load")->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions per topic")->capture_default_str();
  app.add_option("--heraldd", heraldd_path, "heraldd binary")->capture_default_str();
  app.add_option("--heraldctl", heraldctl_path, "heraldctl binary")->capture_default_str();
  app.add_option("--templates", templates, "Templates to apply")->capture_default_str();
  app.add_option("--rate", rate, "Events per second offered for the latency")
      ->capture_default_str();
  app.add_option("--latency-seconds", latency_seconds, "How long that rate is offered")
      ->capture_default_str();
  app.add_option("--out", out, "Write the JSON report here (default: stdout)");
  app.add_flag("--keep", keep, "Keep the working directory");
  CLI11_PARSE(app, argc, argv);
  if (events < 1 || customers < 1) Fail("--events and --customers must be at least 1");

  char dir_template[] = "/tmp/herald-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Fail("cannot make a working directory");
  const std::string dir = dir_template;

  const std::vector<std::string> event_topics = {"herald.orders", "herald.service", "herald.fraud"};
  auto broker = ingest::EmbeddedBroker::Start(
      1,
      {"herald.orders", "herald.service", "herald.fraud", "herald.profiles", "herald.dlq",
       "herald.delivery-status", "herald.bench-idle", "herald.latency"},
      partitions);
  if (!broker.ok()) Fail(broker.status().ToString());
  const std::string bootstrap = (*broker)->bootstrap_servers();

  // Each heraldd in a group of its own: the mock cluster takes tens of seconds to
  // let a new member into a group another one just left. Only the first reads the
  // profiles topic; the others would apply every profile again before the events.
  auto config = [&](const std::string& name, const std::string& topics,
                    const std::string& extra = "") {
    const std::string profiles_topic = name == "setup" ? "herald.profiles" : "";
    const std::string path = dir + "/" + name + ".yaml";
    std::ofstream yaml(path);
    yaml << extra;
    yaml << "server: {grpc_listen: 127.0.0.1:0, http_listen: 127.0.0.1:0}\n"
         << "store: {sqlite: {path: " << dir << "/herald.db}}\n"
         << "kafka: {embedded: false, bootstrap_servers: \"" << bootstrap << "\", group_id: "
         << "heraldd-" << name << ", topics: [" << topics << "], profiles_topic: \""
         << profiles_topic << "\"}\n"
         << "ingest: {max_backlog: 0, max_event_bytes: 16777216}\n"
         << "policy: {quiet_hours: \"off\", global_cap: \"off\"}\n";
    return path;
  };

  // 1. Profiles and templates, with heraldd reading only the profiles topic.
  std::cerr << "herald-bench: loading " << customers << " profiles and the templates\n";
  double profiles_seconds = 0;
  {
    Heraldd heraldd(heraldd_path, config("setup", "herald.bench-idle"), dir + "/setup.log");
    Child apply({heraldctl_path, "-a", heraldd.grpc(), "template", "apply", templates},
                dir + "/apply.log");
    if (apply.Wait() != 0) Fail("template apply failed:\n" + apply.Log());
    std::vector<Message> profiles;
    profiles.reserve(customers);
    for (int i = 0; i < customers; ++i) profiles.push_back(Profile(i));
    const auto start = Clock::now();
    Produce(bootstrap, profiles);
    WaitUntil(
        [&] {
          if (heraldd.Metric("herald_dead_letters_total") > 0) {
            Fail("heraldd refused a profile:\n" + heraldd.child().Log());
          }
          return heraldd.Metric("herald_profile_changes_total", "result=\"applied\"") >= customers;
        },
        std::chrono::minutes(30), "the profiles");
    profiles_seconds = Seconds(Clock::now() - start);
    if (heraldd.child().Stop() != 0) Fail("heraldd (setup) did not stop cleanly");
  }

  // Connectors on their own.
  std::cerr << "herald-bench: the SMS connector into a local provider\n";
  const int sms_count = std::min(20'000, std::max(200, events));
  const double sms_rate = SmsConnectorRate(sms_count, 32);
  std::cerr << "herald-bench: the email connector and a bare libcurl loop into smtp-sink\n";
  const int email_count = std::min(20'000, std::max(200, events / 5));
  double email_rate = 0;
  double bare_email_rate = 0;
  {
    SmtpSink smtp_sink(dir + "/smtp-sink.log");
    // Each twice, alternating, and the better of each: the machine is noisy.
    for (int round = 0; round < 2; ++round) {
      bare_email_rate =
          std::max(bare_email_rate, BareCurlEmailRate(smtp_sink.url(), email_count, 8));
      email_rate = std::max(email_rate, EmailConnectorRate(smtp_sink.url(), email_count, 8));
    }
  }

  // 2. Latency at a fixed offered rate, from the produce call to the SMS provider's
  // door, for customers whose first channel is SMS (the even ones).
  const int latency_events = std::max(1, static_cast<int>(rate * latency_seconds));
  std::cerr << "herald-bench: " << latency_events << " events at " << rate
            << "/s to an SMS provider\n";
  std::vector<double> latencies_ms;
  double latency_delivered = 0;
  std::map<std::string, double> stage_ms;  // from heraldd's histograms
  {
    SmsSink sink;
    Heraldd heraldd(heraldd_path,
                    config("latency", "herald.latency",
                           "sms: {provider: generic_json, url: \"" + sink.url() +
                               "\", token: bench, rate_per_second: 1000000, burst: 1000000, "
                               "concurrency: 128, max_in_flight: 128}\n"
                               "dispatch: {max_batch: 1000}\n"),
                    dir + "/latency.log");
    // Offered once heraldd consumes: the group's first rebalance is not latency.
    heraldd.child().WaitFor("msg=\"partitions assigned\"", std::chrono::seconds(60));
    std::unique_ptr<RdKafka::Producer> producer = NewProducer(bootstrap, "1");
    const auto wall = std::chrono::system_clock::now();
    const std::string now_iso = Iso(wall);
    const std::string tomorrow_iso = Iso(wall + std::chrono::hours(24));
    std::map<std::string, std::chrono::system_clock::time_point> produced;  // by notification
    // One event first, until it reaches the provider: the consumer's first fetch and the
    // first connection are start-up, not latency. Even customers prefer SMS; the timed
    // events start from the first of them, this one goes to the last.
    const int even = std::max(1, customers / 2);
    Message warm_up = Event(0, 2 * (even - 1), now_iso, tomorrow_iso, "warm-");
    warm_up.topic = "herald.latency";
    Send(*producer, warm_up);
    producer->flush(60'000);
    WaitUntil([&] { return sink.count() >= 1; }, std::chrono::minutes(2), "the warm-up SMS");
    // Built beforehand: the producing applications run elsewhere, and encoding here
    // would take CPU from heraldd on this machine.
    std::vector<Message> timed;
    timed.reserve(latency_events);
    for (int n = 0; n < latency_events; ++n) {
      timed.push_back(Event(n, 2 * (n % even), now_iso, tomorrow_iso, "lat-"));
      timed.back().topic = "herald.latency";
    }
    const double warm_up_decisions = heraldd.Metric("herald_decisions_total");
    const auto start = Clock::now();
    for (int n = 0; n < latency_events; ++n) {
      // Paced: event n goes at start + n / rate.
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(n) / rate));
      // Slept, not spun: the producing applications run elsewhere, and a spinning
      // loop here would take one of the machine's cores from heraldd.
      if (Clock::now() < due) {
        producer->poll(0);
        std::this_thread::sleep_until(due);
      }
      const Message& m = timed[n];
      produced[m.notification_id] = std::chrono::system_clock::now();
      Send(*producer, m);
    }
    producer->flush(60'000);
    // Every event decided, then every notification let through at the provider (a cap
    // may defer some; those are not waited for).
    WaitUntil(
        [&] {
          return heraldd.Metric("herald_decisions_total") >=
                 warm_up_decisions + static_cast<double>(produced.size());
        },
        std::chrono::minutes(30), "every decision");
    const double to_send = heraldd.Metric("herald_decisions_total", "outcome=\"SEND\"");
    WaitUntil([&] { return static_cast<double>(sink.count()) >= to_send; },
              std::chrono::minutes(30), "every SMS at the provider");
    for (const auto& [id, at] : sink.arrived()) {
      auto it = produced.find(id);
      if (it == produced.end()) continue;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(at - it->second).count());
    }
    latency_delivered = static_cast<double>(latencies_ms.size());
    const std::string metrics = heraldd.Metrics();
    for (const char* q : {"0.5", "0.99"}) {
      stage_ms["append_to_decision_p" + std::string(q == std::string("0.5") ? "50" : "99")] =
          1000 * testing::HistogramQuantile(metrics, "herald_append_to_decision_seconds",
                                            "channel=\"SMS\"", std::stod(q));
      stage_ms["decision_to_hand_off_p" + std::string(q == std::string("0.5") ? "50" : "99")] =
          1000 * testing::HistogramQuantile(metrics, "herald_decision_to_hand_off_seconds",
                                            "channel=\"SMS\"", std::stod(q));
    }
    if (heraldd.child().Stop() != 0) Fail("heraldd (latency) did not stop cleanly");
  }

  // 3. The events, on the broker before heraldd reads them.
  std::cerr << "herald-bench: producing " << events << " events\n";
  const auto now = std::chrono::system_clock::now();
  const std::string now_iso = Iso(now);
  const std::string tomorrow_iso = Iso(now + std::chrono::hours(24));
  std::vector<Message> batch;
  batch.reserve(events);
  size_t bytes = 0;
  for (int n = 0; n < events; ++n) {
    batch.push_back(Event(n, n % customers, now_iso, tomorrow_iso));
    bytes += batch.back().value.size();
  }
  const double produce_seconds = Produce(bootstrap, batch);
  batch.clear();
  batch.shrink_to_fit();

  // 4. The raw consume rate of the same messages.
  std::cerr << "herald-bench: reading them with a plain consumer\n";
  const double raw_rate = RawConsumeRate(bootstrap, event_topics, events);

  // 5. heraldd consumes them: from the first recorded to the last decided.
  std::cerr << "herald-bench: heraldd's pipeline\n";
  Heraldd heraldd(heraldd_path, config("run", "herald.orders, herald.service, herald.fraud"),
                  dir + "/run.log");
  Clock::time_point first;
  WaitUntil([&] { return heraldd.Metric("herald_events_total", "recorded") > 0; },
            std::chrono::minutes(2), "the first event");
  first = Clock::now();
  Clock::time_point recorded_at;
  double created = 0;
  WaitUntil(
      [&] {
        if (heraldd.Metric("herald_dead_letters_total") > 0) {
          Fail("heraldd refused an event:\n" + heraldd.child().Log());
        }
        if (heraldd.Metric("herald_events_total", "recorded") < events) return false;
        if (recorded_at == Clock::time_point()) {
          recorded_at = Clock::now();
          created = heraldd.Metric("herald_notifications_created_total");
        }
        return heraldd.Metric("herald_decisions_total") >= created;
      },
      std::chrono::minutes(60), "every decision");
  const Clock::time_point decided_at = Clock::now();
  const double send = heraldd.Metric("herald_decisions_total", "outcome=\"SEND\"");

  // 6. Fan-out: one outage for every customer, over gRPC (one message of ~12 bytes per
  // customer would pass Kafka's default message size), until all are decided.
  std::cerr << "herald-bench: one outage for " << customers << " customers\n";
  const std::string outage = dir + "/outage.json";
  {
    std::ofstream json(outage);
    json << R"({"event_id": "bench-outage", "event_type": "service.outage_started", )"
         << R"("occur_time": ")" << now_iso
         << R"(", "source": "noc", "audience": {"customer_ids": [)";
    for (int i = 0; i < customers; ++i) json << (i == 0 ? "" : ",") << "\"cust-" << i << "\"";
    json << R"(]}, "service": {"outage": {"incident_id": "INC-1", "service_name": "Internet )"
         << R"(banking", "area": "Utrecht", "start_time": ")" << now_iso
         << R"(", "estimated_end_time": ")" << tomorrow_iso << R"("}}})"
         << "\n";
  }
  const double decided_before = heraldd.Metric("herald_decisions_total");
  const auto fanout_start = Clock::now();
  Child publish({heraldctl_path, "-a", heraldd.grpc(), "--timeout", "600", "event", "publish",
                 "--file", outage},
                dir + "/publish.log");
  if (publish.Wait() != 0) Fail("publishing the outage failed:\n" + publish.Log());
  WaitUntil([&] { return heraldd.Metric("herald_decisions_total") >= decided_before + customers; },
            std::chrono::minutes(30), "the outage's decisions");
  const double fanout_seconds = Seconds(Clock::now() - fanout_start);

  const long peak_rss_kib = heraldd.child().PeakRssKib();
  const int stopped = heraldd.child().Stop();

  const double recorded_rate = events / std::max(Seconds(recorded_at - first), 1e-6);
  const double decided_rate = events / std::max(Seconds(decided_at - first), 1e-6);
  std::ostringstream report;
  report << std::fixed << std::setprecision(1);
  report << "{\n"
         << "  \"machine\": {\"cpus\": " << std::thread::hardware_concurrency() << ", \"model\": \""
         << MachineModel() << "\"},\n"
         << "  \"events\": " << events << ",\n"
         << "  \"customers\": " << customers << ",\n"
         << "  \"partitions\": " << partitions << ",\n"
         << "  \"event_bytes_avg\": " << bytes / events << ",\n"
         << "  \"profiles_loaded_per_second\": " << customers / profiles_seconds << ",\n"
         << "  \"produced_per_second\": " << events / produce_seconds << ",\n"
         << "  \"raw_consume_per_second\": " << raw_rate << ",\n"
         << "  \"notifications\": " << static_cast<long long>(created) << ",\n"
         << "  \"notifications_send\": " << static_cast<long long>(send) << ",\n"
         << "  \"pipeline_recorded_per_second\": " << recorded_rate << ",\n"
         << "  \"pipeline_decided_per_second\": " << decided_rate << ",\n"
         << "  \"decided_to_raw_ratio\": " << std::setprecision(5) << decided_rate / raw_rate
         << std::setprecision(1) << ",\n"
         << "  \"sms_connector_per_second\": " << sms_rate << ",\n"
         << "  \"email_connector_per_second\": " << email_rate << ",\n"
         << "  \"email_bare_libcurl_per_second\": " << bare_email_rate << ",\n"
         << "  \"email_connector_to_bare_ratio\": " << std::setprecision(3)
         << email_rate / std::max(bare_email_rate, 1e-9) << std::setprecision(1) << ",\n"
         << "  \"latency_offered_per_second\": " << rate << ",\n"
         << "  \"latency_events\": " << static_cast<long long>(latency_delivered) << ",\n"
         << "  \"latency_ms\": {\"p50\": " << Percentile(latencies_ms, 0.50)
         << ", \"p95\": " << Percentile(latencies_ms, 0.95)
         << ", \"p99\": " << Percentile(latencies_ms, 0.99)
         << ", \"max\": " << Percentile(latencies_ms, 1.0) << "},\n"
         << "  \"latency_stages_ms\": {";
  for (auto it = stage_ms.begin(); it != stage_ms.end(); ++it) {
    report << (it == stage_ms.begin() ? "" : ", ") << "\"" << it->first << "\": " << it->second;
  }
  report << "},\n"
         << "  \"fanout_customers\": " << customers << ",\n"
         << "  \"fanout_decided_seconds\": " << std::setprecision(3) << fanout_seconds
         << std::setprecision(1) << ",\n"
         << "  \"heraldd_peak_rss_mib\": " << peak_rss_kib / 1024.0 << ",\n"
         << "  \"heraldd_exit\": " << stopped << "\n"
         << "}\n";
  if (out.empty()) {
    std::cout << report.str();
  } else {
    std::ofstream(out) << report.str();
    std::cerr << report.str();
  }
  if (!keep) std::filesystem::remove_all(dir);
  return stopped == 0 ? 0 : 1;
}

}  // namespace herald::bench

int main(int argc, char** argv) { return herald::bench::Main(argc, argv); }
