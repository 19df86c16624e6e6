#include "tools/bench/sms_sink.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "tools/bench/common.h"

namespace herald::bench {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void Watch(int epoll, int fd, uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(epoll, op, fd, &ev);
}

}  // namespace

struct SmsSink::Connection {
  int fd = -1;
  std::string in;
  std::string out;
  bool continued = false;  // "100 Continue" sent for the request at the front
  bool writing = false;    // EPOLLOUT watched
};

SmsSink::SmsSink() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      listen(listener_, SOMAXCONN) != 0) {
    Fail("the SMS sink cannot listen on a loopback port");
  }
  port_ = ntohs(address.sin_port);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  stop_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  Watch(epoll_, listener_, EPOLLIN, EPOLL_CTL_ADD);
  Watch(epoll_, stop_, EPOLLIN, EPOLL_CTL_ADD);
  thread_ = std::thread([this] { Loop(); });
}

SmsSink::~SmsSink() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = write(stop_, &one, sizeof one);
  thread_.join();
  close(stop_);
  close(epoll_);
  close(listener_);
}

std::unordered_map<std::string, std::chrono::system_clock::time_point> SmsSink::arrived() {
  std::lock_guard lock(mu_);
  return arrived_;
}

size_t SmsSink::count() {
  std::lock_guard lock(mu_);
  return arrived_.size();
}

void SmsSink::Loop() {
  std::unordered_map<int, std::unique_ptr<Connection>> connections;
  epoll_event events[128];
  while (true) {
    const int ready = epoll_wait(epoll_, events, 128, -1);
    for (int i = 0; i < ready; ++i) {
      const int fd = events[i].data.fd;
      if (fd == stop_) {
        for (auto& [socket, c] : connections) close(socket);
        return;
      }
      if (fd == listener_) {
        while (true) {
          const int accepted = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (accepted < 0) break;
          const int one = 1;
          setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto c = std::make_unique<Connection>();
          c->fd = accepted;
          connections.emplace(accepted, std::move(c));
          Watch(epoll_, accepted, EPOLLIN, EPOLL_CTL_ADD);
        }
        continue;
      }
      auto it = connections.find(fd);
      if (it == connections.end()) continue;
      Connection& c = *it->second;
      bool open = true;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) open = OnReadable(c);
      if (open) open = Flush(c);
      if (open && c.writing != !c.out.empty()) {
        c.writing = !c.out.empty();
        Watch(epoll_, fd, c.writing ? EPOLLIN | EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
      }
      if (!open) {
        close(fd);  // also leaves the epoll set
        connections.erase(it);
      }
    }
  }
}

bool SmsSink::OnReadable(Connection& c) {
  char buffer[16384];
  while (true) {
    const ssize_t n = read(c.fd, buffer, sizeof buffer);
    if (n > 0) {
      c.in.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;  // the client closed it
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  return Answer(c);
}

bool SmsSink::Answer(Connection& c) {
  while (true) {
    const size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return c.in.size() < 65536;
    const std::string_view head(c.in.data(), head_end);
    size_t content_length = 0;
    std::string_view key;
    bool expects_continue = false;
    size_t line_start = head.find("\r\n");
    if (line_start == std::string_view::npos) line_start = head.size();
    while (line_start < head.size()) {
      line_start += 2;
      size_t line_end = head.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = head.size();
      const std::string_view line = head.substr(line_start, line_end - line_start);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        const std::string_view name = Trim(line.substr(0, colon));
        const std::string_view value = Trim(line.substr(colon + 1));
        if (EqualsIgnoreCase(name, "content-length")) {
          const auto [end, error] =
              std::from_chars(value.data(), value.data() + value.size(), content_length);
          if (error != std::errc() || end != value.data() + value.size()) return false;
        } else if (EqualsIgnoreCase(name, "idempotency-key")) {
          key = value;
        } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
          return false;  // heraldd's requests carry a Content-Length
        } else if (EqualsIgnoreCase(name, "expect")) {
          expects_continue = EqualsIgnoreCase(value, "100-continue");
        }
      }
      line_start = line_end;
    }
    const size_t total = head_end + 4 + content_length;
    if (c.in.size() < total) {
      if (expects_continue && !c.continued) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        c.continued = true;
      }
      return true;  // the rest of the body is on its way
    }
    const auto now = std::chrono::system_clock::now();
    size_t n = 0;
    {
      std::lock_guard lock(mu_);
      arrived_.emplace(std::string(key), now);
      n = arrived_.size();
    }
    const std::string body = "{\"id\": \"s-" + std::to_string(n) + "\"}";
    c.out += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
    c.out += std::to_string(body.size());
    c.out += "\r\n\r\n";
    c.out += body;
    c.in.erase(0, total);
    c.continued = false;
  }
}

bool SmsSink::Flush(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = write(c.fd, c.out.data(), c.out.size());
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

}  // namespace herald::bench
