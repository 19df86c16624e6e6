#pragma once
// The servers heraldd's connectors send to in herald-bench: an SMS provider (HTTP) and
// Postfix's smtp-sink.

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "tools/bench/processes.h"

namespace herald::bench {

/// A free loopback port, for a server that cannot be told to take port 0.
int FreePort();
/// Whether something accepts connections on the loopback port.
bool Accepts(int port);

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

}  // namespace herald::bench
