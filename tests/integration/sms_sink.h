#pragma once

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace herald::testing {

// A real HTTP server on a loopback port the kernel picks, answering as an SMS provider
// in both forms (generic JSON at /send, Twilio-compatible at
// /2010-04-01/Accounts/AC1/Messages.json). The number steers the answer:
//   +31611111429  429 with Retry-After: 7
//   +31611111500  503
//   +31611111400  400, the number is invalid (a hard bounce)
//   +31611111401  401
// anything else is accepted ({"id": "m-N"} or {"sid": "SMN"}). Answer() makes the next
// requests, whatever the number, get the statuses given, one each, in order.
class SmsSink {
 public:
  struct Seen {
    std::string path;
    std::string body;
    std::string content_type;
    std::string authorization;
    std::string idempotency_key;
    std::string traceparent;
    int remote_port = 0;
    int status = 0;  // what it answered
    std::chrono::steady_clock::time_point time = {};
  };
  /// A refusal: 429 (with Retry-After when retry_after is set) or a 5xx.
  struct Refusal {
    int status;
    std::string retry_after = {};
  };

  SmsSink() {
    auto handle = [this](const httplib::Request& req, httplib::Response& res, bool twilio) {
      std::string to;
      if (twilio) {
        to = req.get_param_value("To");
      } else {
        google::protobuf::Struct body;
        if (google::protobuf::util::JsonStringToMessage(req.body, &body).ok()) {
          to = body.fields().at("to").string_value();
        }
      }
      int n = 0;
      std::optional<Refusal> refusal;
      {
        std::lock_guard lock(mu_);
        n = ++requests_;
        if (!refusals_.empty()) {
          refusal = refusals_.front();
          refusals_.pop_front();
        }
      }
      if (refusal) {
        res.status = refusal->status;
        if (!refusal->retry_after.empty()) res.set_header("Retry-After", refusal->retry_after);
        res.set_content(R"({"error": {"code": "refused by the test"}})", "application/json");
      } else if (to == "+31611111429") {
        res.status = 429;
        res.set_header("Retry-After", "7");
        res.set_content(R"({"error": {"code": "rate_limited"}})", "application/json");
      } else if (to == "+31611111500") {
        res.status = 503;
        res.set_content("unavailable", "text/plain");
      } else if (to == "+31611111400") {
        res.status = 400;
        res.set_content(twilio ? R"({"code": 21211, "message": "Invalid 'To' Phone Number"})"
                               : R"({"error": {"code": "invalid_number"}})",
                        "application/json");
      } else if (to == "+31611111401") {
        res.status = 401;
        res.set_content(R"({"error": {"code": "unauthorized"}})", "application/json");
      } else {
        res.status = twilio ? 201 : 200;
        res.set_content(twilio ? "{\"sid\": \"SM" + std::to_string(n) + "\"}"
                               : "{\"id\": \"m-" + std::to_string(n) + "\"}",
                        "application/json");
      }
      std::lock_guard lock(mu_);
      seen_.push_back({req.path, req.body, req.get_header_value("Content-Type"),
                       req.get_header_value("Authorization"),
                       req.get_header_value("Idempotency-Key"), req.get_header_value("traceparent"),
                       req.remote_port, res.status, std::chrono::steady_clock::now()});
    };
    server_.Post("/send", [=](const auto& req, auto& res) { handle(req, res, false); });
    server_.Post("/2010-04-01/Accounts/AC1/Messages.json",
                 [=](const auto& req, auto& res) { handle(req, res, true); });
    server_.set_keep_alive_max_count(1000);  // the default closes after 5 requests
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Bound and listening already: connections wait in the backlog until it accepts.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost, and the join would hang.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~SmsSink() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  void Answer(std::vector<Refusal> refusals) {
    std::lock_guard lock(mu_);
    refusals_.insert(refusals_.end(), refusals.begin(), refusals.end());
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::deque<Refusal> refusals_;
  int requests_ = 0;
};

}  // namespace herald::testing
