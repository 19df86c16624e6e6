#include "tools/bench/connector_rates.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "connectors/email/mime.h"
#include "connectors/email/smtp_connector.h"
#include "connectors/sms/sms_connector.h"
#include "services/core/clock.h"
#include "tools/bench/common.h"
#include "tools/bench/sinks.h"
#include "tools/bench/sms_sink.h"
#include "tools/bench/workload.h"

namespace herald::bench {
namespace {

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

}  // namespace

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

}  // namespace herald::bench
