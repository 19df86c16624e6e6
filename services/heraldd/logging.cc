#include "services/heraldd/logging.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "services/core/masking.h"
#include "services/core/strings.h"

namespace herald::heraldd {

namespace {

// Masks contact data in every line before it reaches the real sink.
class MaskingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit MaskingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string masked =
        core::MaskContactData(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg);
    copy.payload = masked;
    inner_->log(copy);
  }
  void flush_() override { inner_->flush(); }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Whether `s` at `i` starts " key=" (or ends): where a quoted value may close.
bool FieldBoundary(std::string_view s, size_t i) {
  if (i == s.size()) return true;
  if (s[i] != ' ') return false;
  size_t j = i + 1;
  while (j < s.size() && IsKeyChar(s[j])) ++j;
  return j > i + 1 && j < s.size() && s[j] == '=';
}

// Reads logfmt fields; false when the text is not logfmt.
bool ParseLogfmt(std::string_view s, std::vector<std::pair<std::string, std::string>>& fields) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) break;
    const size_t key_start = i;
    while (i < s.size() && IsKeyChar(s[i])) ++i;
    if (i == key_start || i == s.size() || s[i] != '=') return false;
    std::string key(s.substr(key_start, i - key_start));
    ++i;  // '='
    std::string value;
    if (i < s.size() && s[i] == '"') {
      // A quoted value ends at a quote before " key=" or the end; quotes inside it may be
      // escaped (\") or not (a detail quoting a provider's words).
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
          value += s[i + 1];
          i += 2;
          continue;
        }
        if (s[i] == '"' && FieldBoundary(s, i + 1)) {
          ++i;
          closed = true;
          break;
        }
        value += s[i++];
      }
      if (!closed) return false;
    } else {
      const size_t start = i;
      while (i < s.size() && s[i] != ' ') ++i;
      value = std::string(s.substr(start, i - start));
    }
    fields.emplace_back(std::move(key), std::move(value));
  }
  return !fields.empty();
}

// One JSON object per line: time and level, then the line's fields.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char time[96];
    std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<long long>(micros % 1'000'000));
    const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    std::string line = LogLineAsJson(time, std::string_view(level.data(), level.size()),
                                     std::string_view(msg.payload.data(), msg.payload.size()));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::string LogLineAsJson(std::string_view time, std::string_view level, std::string_view logfmt) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (!ParseLogfmt(logfmt, fields)) {
    fields.clear();
    fields.emplace_back("msg", std::string(logfmt));
  }
  std::string out = "{\"time\":";
  core::AppendJsonString(out, core::ToValidUtf8(time));
  out += ",\"level\":";
  core::AppendJsonString(out, core::ToValidUtf8(level));
  for (const auto& [key, value] : fields) {
    if (key == "time" || key == "level") continue;  // never twice
    out += ',';
    core::AppendJsonString(out, core::ToValidUtf8(key));
    out += ':';
    core::AppendJsonString(out, core::ToValidUtf8(value));
  }
  out += '}';
  return out;
}

void SetUpLogging(spdlog::level::level_enum level, bool mask_contact_data, bool json) {
  auto stderr_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (json) {
    stderr_sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    stderr_sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "time=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc));
  }
  std::shared_ptr<spdlog::sinks::sink> sink = stderr_sink;
  if (mask_contact_data) sink = std::make_shared<MaskingSink>(stderr_sink);
  auto logger = std::make_shared<spdlog::logger>("heraldd", sink);
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  // protobuf reports e.g. invalid UTF-8 in a parsed event itself; those events are
  // rejected with a reason, so its line is detail, not an error of heraldd's.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel severity, const char* file,
                                     int line, const std::string& message) {
    const auto spd = severity >= google::protobuf::LOGLEVEL_FATAL ? spdlog::level::critical
                                                                  : spdlog::level::debug;
    spdlog::log(spd, "msg=\"protobuf\" file={}:{} detail=\"{}\"", file, line, message);
  });
}

}  // namespace herald::heraldd
