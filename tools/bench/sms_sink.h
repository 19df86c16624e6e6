#pragma once
// The SMS provider herald-bench sends to: an HTTP/1.1 server on one epoll thread.

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace herald::bench {

// A local SMS provider (the generic JSON API): takes every POST at once, answers
// {"id": "s-N"} on the kept-alive connection, and notes when each notification (its
// Idempotency-Key) arrived. One thread and epoll, as a provider's front end would be:
// a thread per connection took as much CPU as heraldd's whole dispatch stage on this
// machine, and the bench shares the machine with heraldd.
class SmsSink {
 public:
  SmsSink();
  SmsSink(const SmsSink&) = delete;
  SmsSink& operator=(const SmsSink&) = delete;
  ~SmsSink();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/send"; }
  std::unordered_map<std::string, std::chrono::system_clock::time_point> arrived();
  size_t count();

 private:
  struct Connection;
  void Loop();
  /// Reads what the connection has, answers every whole request in it; false: close it.
  bool OnReadable(Connection& c);
  /// Answers the requests at the front of c's input; false: a request it cannot read.
  bool Answer(Connection& c);
  static bool Flush(Connection& c);

  int listener_ = -1;
  int epoll_ = -1;
  int stop_ = -1;  // eventfd
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> arrived_;
};

}  // namespace herald::bench
