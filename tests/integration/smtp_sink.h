#pragma once

#include <google/protobuf/struct.pb.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace herald::testing {

/// tools/demo/smtp_sink.py (aiosmtpd, a real SMTP server) on a loopback port the
/// kernel picks, keeping what it accepts in `dir`. Stopped on destruction.
class SmtpSink {
 public:
  /// Extra arguments: --auth USER:PASSWORD, --tls CERT KEY, --require-tls, --port N
  /// (to come back on the port of a stopped sink).
  SmtpSink(const std::string& dir, std::vector<std::string> extra = {});
  ~SmtpSink();

  bool ready() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  /// What it printed: the start-up, then its log.
  std::string Stderr();

  /// What Python's email parser made of each accepted message, oldest first, once
  /// at least `count` arrived (or after `limit`, a bound for a broken sink).
  std::vector<google::protobuf::Struct> WaitForMessages(
      size_t count, std::chrono::milliseconds limit = std::chrono::seconds(20));
  /// The raw bytes of message `n` (1 for the first).
  std::string Raw(int n) const;
  /// SIGTERM and wait.
  void Stop();
  /// Stops the server answering (SIGSTOP): connections are accepted by the kernel and
  /// wait, so sends stay in flight; Resume (SIGCONT) lets it go on.
  void Pause();
  void Resume();

 private:
  std::string dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

}  // namespace herald::testing
