#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace herald::testing {

Subprocess::Subprocess(std::vector<std::string> argv) {
  char out_template[] = "/tmp/herald-stdout-XXXXXX";
  int out_fd = mkstemp(out_template);
  if (out_fd < 0) throw std::runtime_error("mkstemp failed");
  stdout_path_ = out_template;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(pipe_fds[1]);
  if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  stderr_fd_ = pipe_fds[0];
  reader_ = std::thread([this] { ReadStderr(); });
}

Subprocess::~Subprocess() {
  if (!exit_code_) {
    kill(pid_, SIGKILL);
    Wait();
  }
  if (reader_.joinable()) reader_.join();
  if (stderr_fd_ >= 0) close(stderr_fd_);
  unlink(stdout_path_.c_str());
}

void Subprocess::ReadStderr() {
  char chunk[4096];
  while (true) {
    ssize_t n = read(stderr_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mu_);
    if (n <= 0) {
      eof_ = true;
      cv_.notify_all();
      return;
    }
    seen_.append(chunk, static_cast<size_t>(n));
    cv_.notify_all();
  }
}

void Subprocess::WaitForEof() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return eof_; });
}

std::optional<std::string> Subprocess::WaitForLine(const std::string& needle,
                                                   std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::unique_lock lock(mu_);
  while (true) {
    size_t newline;
    while ((newline = seen_.find('\n', consumed_)) != std::string::npos) {
      std::string line = seen_.substr(consumed_, newline - consumed_);
      consumed_ = newline + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    if (eof_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
        seen_.find('\n', consumed_) == std::string::npos) {
      return std::nullopt;
    }
  }
}

void Subprocess::DrainStderr() { WaitForEof(); }

void Subprocess::Signal(int signal) { kill(pid_, signal); }

int Subprocess::Wait() {
  if (exit_code_) return *exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  WaitForEof();  // what it wrote while it stopped
  return *exit_code_;
}

std::string Subprocess::Stderr() {
  // All of it once the child has exited; otherwise what has come so far, so that a
  // failing test can print a live child's output without waiting for it.
  if (!exit_code_) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  if (exit_code_) WaitForEof();
  std::lock_guard lock(mu_);
  return seen_;
}

std::string Subprocess::Stdout() {
  std::ifstream in(stdout_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RunResult RunToExit(std::vector<std::string> argv) {
  Subprocess child(std::move(argv));
  int code = child.Wait();
  return {code, child.Stdout(), child.Stderr()};
}

}  // namespace herald::testing
