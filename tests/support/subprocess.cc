#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

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
}

Subprocess::~Subprocess() {
  if (!exit_code_) {
    kill(pid_, SIGKILL);
    Wait();
  }
  if (stderr_fd_ >= 0) close(stderr_fd_);
  unlink(stdout_path_.c_str());
}

std::optional<std::string> Subprocess::WaitForLine(const std::string& needle,
                                                   std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    size_t newline;
    while ((newline = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{stderr_fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char chunk[4096];
    ssize_t n = read(stderr_fd_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
    seen_.append(chunk, static_cast<size_t>(n));
  }
}

void Subprocess::DrainStderr() {
  char chunk[4096];
  ssize_t n;
  while ((n = read(stderr_fd_, chunk, sizeof chunk)) > 0) {
    seen_.append(chunk, static_cast<size_t>(n));
  }
}

void Subprocess::Signal(int signal) { kill(pid_, signal); }

int Subprocess::Wait() {
  if (exit_code_) return *exit_code_;
  // A child that logs while it stops must not block on a full pipe.
  DrainStderr();
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return *exit_code_;
}

std::string Subprocess::Stderr() {
  // To the end once the child has exited; otherwise only what is there now, so that a
  // failing test can print a live child's output without waiting for it.
  if (!exit_code_) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  char chunk[4096];
  while (true) {
    if (!exit_code_) {
      pollfd pfd{stderr_fd_, POLLIN, 0};
      if (poll(&pfd, 1, 0) <= 0) break;
    }
    ssize_t n = read(stderr_fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    seen_.append(chunk, static_cast<size_t>(n));
  }
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
  child.DrainStderr();  // first, so that a chatty child cannot block on a full pipe
  int code = child.Wait();
  return {code, child.Stdout(), child.Stderr()};
}

}  // namespace herald::testing
