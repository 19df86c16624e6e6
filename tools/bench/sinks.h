#pragma once
// Postfix's smtp-sink, the SMTP server herald-bench sends to (the SMS provider is in
// sms_sink.h), and the loopback ports such servers listen on.

#include <chrono>
#include <string>

#include "tools/bench/processes.h"

namespace herald::bench {

/// A free loopback port, for a server that cannot be told to take port 0.
int FreePort();
/// Whether something accepts connections on the loopback port.
bool Accepts(int port);

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
