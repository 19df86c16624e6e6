#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace herald::testing {

/// A child process with its stderr captured line by line (stdout goes to a file of
/// its own). A thread reads stderr as it comes, so a chatty child never blocks on a
/// full pipe. Killed with SIGKILL on destruction if still running.
class Subprocess {
 public:
  explicit Subprocess(std::vector<std::string> argv);
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  /// Reads stderr until a line containing `needle` arrives, returning that line, or
  /// nullopt on EOF or after `limit` (a bound for a broken child, not a timing).
  std::optional<std::string> WaitForLine(const std::string& needle,
                                         std::chrono::milliseconds limit);
  /// Reads stderr until the child closes it (normally: exits).
  void DrainStderr();
  /// Sends a signal.
  void Signal(int signal);
  pid_t pid() const { return pid_; }
  /// Reads stderr to its end, then waits for exit; returns the exit code, or
  /// 128 + signal when killed by one.
  int Wait();
  /// Stderr read so far plus what is available now; all of it once the child exited.
  /// Never blocks.
  std::string Stderr();
  std::string Stdout();

 private:
  void ReadStderr();
  /// Waits until the reader has seen the end of stderr.
  void WaitForEof();

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_path_;
  std::optional<int> exit_code_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string seen_;     // all stderr read (mu_)
  size_t consumed_ = 0;  // of seen_, the part WaitForLine has looked through (mu_)
  bool eof_ = false;     // (mu_)
  std::thread reader_;
};

/// Runs a command to completion; returns {exit code, stdout, stderr}.
struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};
RunResult RunToExit(std::vector<std::string> argv);

}  // namespace herald::testing
