#include "connectors/sms/sms_connector.h"

#include <curl/curl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "connectors/sms/json.h"
#include "services/core/strings.h"

namespace herald::connectors::sms {
namespace {

SendResult Result(SendOutcome outcome, std::string detail) {
  SendResult r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::optional<google::protobuf::Struct> ParseJson(std::string_view body) {
  google::protobuf::Struct s;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(body), &s, options).ok()) {
    return std::nullopt;
  }
  return s;
}

std::string StringField(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return "";
  if (it->second.has_string_value()) return it->second.string_value();
  if (it->second.has_number_value()) {
    return std::to_string(static_cast<int64_t>(it->second.number_value()));
  }
  return "";
}

class GenericJson final : public Provider {
 public:
  explicit GenericJson(GenericJsonOptions options) : options_(std::move(options)) {}
  std::string_view name() const override { return "generic-json"; }

  HttpRequest Request(const Delivery& d) const override {
    HttpRequest r;
    r.url = options_.url;
    r.headers = {"Content-Type: application/json"};
    if (!options_.token.empty()) r.headers.push_back("Authorization: Bearer " + options_.token);
    r.body.reserve(64 + d.address.size() + d.message.sms_text.size() + d.notification_id.size());
    r.body += "{\"to\":";
    AppendJsonString(r.body, d.address);
    r.body += ",\"text\":";
    AppendJsonString(r.body, d.message.sms_text);
    r.body += ",\"reference\":";
    AppendJsonString(r.body, d.notification_id);
    if (!options_.sender.empty()) {
      r.body += ",\"from\":";
      AppendJsonString(r.body, options_.sender);
    }
    r.body += '}';
    return r;
  }

  std::string MessageId(std::string_view body) const override {
    return TopLevelField(body, "id").value_or("");
  }

  bool NumberRejected(long, std::string_view body) const override {
    std::optional<google::protobuf::Struct> s = ParseJson(body);
    if (!s || !s->fields().contains("error")) return false;
    const auto& error = s->fields().at("error");
    return error.has_struct_value() &&
           StringField(error.struct_value(), "code") == "invalid_number";
  }

 private:
  const GenericJsonOptions options_;
};

class Twilio final : public Provider {
 public:
  explicit Twilio(TwilioOptions options) : options_(std::move(options)) {}
  std::string_view name() const override { return "twilio"; }

  HttpRequest Request(const Delivery& d) const override {
    HttpRequest r;
    r.url = core::StrCat(options_.base_url, "/2010-04-01/Accounts/", options_.account_sid,
                         "/Messages.json");
    r.headers = {"Content-Type: application/x-www-form-urlencoded"};
    r.body = core::StrCat("To=", FormEncode(d.address), "&From=", FormEncode(options_.from),
                          "&Body=", FormEncode(d.message.sms_text));
    if (!options_.status_callback.empty()) {
      core::StrAppend(r.body, "&StatusCallback=", FormEncode(options_.status_callback));
    }
    r.username = options_.account_sid;
    r.password = options_.auth_token;
    return r;
  }

  std::string MessageId(std::string_view body) const override {
    return TopLevelField(body, "sid").value_or("");
  }

  bool NumberRejected(long, std::string_view body) const override {
    const std::string code = TopLevelField(body, "code").value_or("");
    return code == "21211" || code == "21614";
  }

 private:
  const TwilioOptions options_;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) match = false;
    }
    if (match) {
      std::string_view value = line.substr(kName.size());
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
        value.remove_prefix(1);
      }
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
        value.remove_suffix(1);
      }
      *static_cast<std::string*>(user) = std::string(value);
    }
  }
  return size * count;
}

}  // namespace

std::unique_ptr<Provider> MakeGenericJsonProvider(GenericJsonOptions options) {
  return std::make_unique<GenericJson>(std::move(options));
}

std::unique_ptr<Provider> MakeTwilioProvider(TwilioOptions options) {
  return std::make_unique<Twilio>(std::move(options));
}

bool IsE164(std::string_view number) {
  if (number.size() < 9 || number.size() > 16 || number[0] != '+' || number[1] == '0') {
    return false;
  }
  for (size_t i = 1; i < number.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(number[i]))) return false;
  }
  return true;
}

SendResult ClassifyHttp(int curl_code, long status, std::string_view retry_after,
                        std::string_view body, std::string_view curl_error, core::Time now) {
  if (curl_code != CURLE_OK) {
    return Result(SendOutcome::kRetryable,
                  core::StrCat(curl_easy_strerror(static_cast<CURLcode>(curl_code)),
                               curl_error.empty() ? "" : ": ", curl_error));
  }
  std::string detail = core::StrCat("HTTP ", status);
  if (!body.empty()) core::StrAppend(detail, ": ", core::ToValidUtf8(body, 300));
  if (status >= 200 && status < 300) return Result(SendOutcome::kAccepted, std::move(detail));
  // 429 and 5xx: later. 401 and 403: our account, not the message; an operator can
  // fix it, so later too. Any other 4xx: this message will never be taken.
  const bool later = status == 429 || status >= 500 || status == 401 || status == 403;
  SendResult r =
      Result(later ? SendOutcome::kRetryable : SendOutcome::kPermanent, std::move(detail));
  if (!retry_after.empty()) {
    int64_t seconds = -1;
    if (std::all_of(retry_after.begin(), retry_after.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      seconds = std::stoll(std::string(retry_after.substr(0, 12)));
    } else {
      const time_t at = curl_getdate(std::string(retry_after).c_str(), nullptr);
      if (at >= 0) {
        seconds =
            at - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        seconds = std::max<int64_t>(seconds, 0);
      }
    }
    if (seconds >= 0) r.retry_after = std::chrono::seconds(seconds);
  }
  return r;
}

struct SmsConnector::Pending {
  HttpRequest request;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::string retry_after;
  char error[CURL_ERROR_SIZE] = {};
  SendDone done;
};

absl::StatusOr<std::unique_ptr<SmsConnector>> SmsConnector::Create(
    std::unique_ptr<Provider> provider, SmsOptions options, const core::Clock& clock) {
  if (provider == nullptr) return absl::InvalidArgumentError("sms: no provider");
  if (options.max_in_flight < 1) {
    return absl::InvalidArgumentError("sms.max_in_flight: must be 1 or more");
  }
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return absl::InternalError("libcurl: global initialisation failed");
  return std::unique_ptr<SmsConnector>(
      new SmsConnector(std::move(provider), std::move(options), clock));
}

SmsConnector::SmsConnector(std::unique_ptr<Provider> provider, SmsOptions options,
                           const core::Clock& clock)
    : provider_(std::move(provider)), options_(std::move(options)), clock_(clock) {
  // libcurl's socket interface on an epoll set: each socket event costs the same
  // however many requests are in flight (curl_multi_perform and curl_multi_poll would
  // visit every one of them on every wake-up).
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(options_.max_in_flight));
  // Idle connections are kept for the next requests: by default libcurl keeps four per
  // handle in the multi, and between a burst's answers and the next requests there are
  // few, so it would close them and connect again.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.max_in_flight));
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  multi_ = multi;
  thread_ = std::thread([this] { Loop(); });
  pthread_setname_np(thread_.native_handle(), "sms");  // in ps, perf and gdb
}

int SmsConnector::OnSocket(void* /*easy*/, int socket, int what, void* self, void* known) {
  auto* connector = static_cast<SmsConnector*>(self);
  CURLM* multi = static_cast<CURLM*>(connector->multi_);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(connector->epoll_, EPOLL_CTL_DEL, socket, nullptr);
    curl_multi_assign(multi, socket, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  ev.data.fd = socket;
  if (known != nullptr) {
    epoll_ctl(connector->epoll_, EPOLL_CTL_MOD, socket, &ev);
  } else {
    epoll_ctl(connector->epoll_, EPOLL_CTL_ADD, socket, &ev);
    // Any non-null pointer: the socket is in the set.
    curl_multi_assign(multi, socket, connector);
  }
  return 0;
}

int SmsConnector::OnTimer(void* /*multi*/, long timeout_ms, void* self) {
  auto* connector = static_cast<SmsConnector*>(self);
  if (timeout_ms < 0) {
    connector->timer_at_.reset();
  } else {
    connector->timer_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void SmsConnector::Wake() {
  const uint64_t one = 1;
  // A full counter already wakes the loop.
  [[maybe_unused]] const ssize_t n = write(wake_, &one, sizeof(one));
}

SmsConnector::~SmsConnector() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  close(wake_);
  close(epoll_);
}

void SmsConnector::Send(Delivery d, SendDone done) {
  if (!IsE164(d.address)) {
    SendResult r =
        Result(SendOutcome::kPermanent, core::StrCat("\"", d.address, "\" is not an E.164 number"));
    r.address_rejected = true;
    done(std::move(r));
    return;
  }
  auto pending = std::make_unique<Pending>();
  pending->request = provider_->Request(d);
  pending->request.headers.push_back("Idempotency-Key: " + d.notification_id);
  if (!d.traceparent.empty()) pending->request.headers.push_back("traceparent: " + d.traceparent);
  pending->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(pending));
    }
  }
  if (pending != nullptr) {
    pending->done(Result(SendOutcome::kRetryable, "the SMS connector is stopping"));
    return;
  }
  Wake();
}

void SmsConnector::Loop() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::unordered_map<CURL*, std::unique_ptr<Pending>> in_flight;
  std::vector<CURL*> spare;  // finished handles, reused (reset) for the next requests
  std::vector<epoll_event> events(256);
  int ready = 0;
  while (true) {
    std::deque<std::unique_ptr<Pending>> fresh;
    bool stopping = false;
    {
      std::lock_guard lock(mu_);
      fresh.swap(queue_);
      stopping = stopping_;
    }
    for (std::unique_ptr<Pending>& p : fresh) {
      CURL* easy = nullptr;
      if (spare.empty()) {
        easy = curl_easy_init();
      } else {
        easy = spare.back();
        spare.pop_back();
        curl_easy_reset(easy);
      }
      if (easy == nullptr) {
        p->done(Result(SendOutcome::kRetryable, "libcurl: no handle"));
        continue;
      }
      p->easy = easy;
      for (const std::string& h : p->request.headers) {
        p->headers = curl_slist_append(p->headers, h.c_str());
      }
      curl_easy_setopt(easy, CURLOPT_URL, p->request.url.c_str());
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, p->request.body.c_str());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(p->request.body.size()));
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, p->headers);
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
      curl_easy_setopt(easy, CURLOPT_WRITEDATA, &p->body);
      curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
      curl_easy_setopt(easy, CURLOPT_HEADERDATA, &p->retry_after);
      curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, p->error);
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(options_.connect_timeout.count()));
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
      if (!options_.ca_file.empty()) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
      }
      if (!p->request.username.empty()) {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(easy, CURLOPT_USERNAME, p->request.username.c_str());
        curl_easy_setopt(easy, CURLOPT_PASSWORD, p->request.password.c_str());
      }
      curl_multi_add_handle(multi, easy);
      in_flight.emplace(easy, std::move(p));
    }
    if (stopping && in_flight.empty()) {
      std::lock_guard lock(mu_);
      if (queue_.empty()) break;
      continue;
    }
    int running = 0;
    // What is due: the sockets epoll reported, then libcurl's timer (which adding a
    // handle sets to "now").
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.fd == wake_) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = read(wake_, &count, sizeof(count));
        continue;
      }
      const int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(multi, events[i].data.fd, flags, &running);
    }
    ready = 0;  // each event once, also when the loop goes round without waiting
    if (timer_at_ && std::chrono::steady_clock::now() >= *timer_at_) {
      timer_at_.reset();
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      auto it = in_flight.find(easy);
      if (it == in_flight.end()) continue;
      std::unique_ptr<Pending> p = std::move(it->second);
      in_flight.erase(it);
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      SendResult r =
          ClassifyHttp(msg->data.result, status, p->retry_after, p->body, p->error, clock_.Now());
      if (r.outcome == SendOutcome::kAccepted) {
        r.provider_message_id = provider_->MessageId(p->body);
      } else if (r.outcome == SendOutcome::kPermanent) {
        r.address_rejected = provider_->NumberRejected(status, p->body);
      }
      curl_multi_remove_handle(multi, easy);
      spare.push_back(easy);
      curl_slist_free_all(p->headers);
      p->done(std::move(r));
    }
    // Until a socket or the wake-up is ready, or libcurl's timer is due.
    int wait_ms = 1000;
    if (timer_at_) {
      const auto until_timer = std::chrono::ceil<std::chrono::milliseconds>(
          *timer_at_ - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::clamp<int64_t>(until_timer.count(), 0, wait_ms));
    }
    ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), wait_ms);
    if (ready < 0) ready = 0;  // EINTR
  }
  for (CURL* easy : spare) curl_easy_cleanup(easy);
}

}  // namespace herald::connectors::sms
