#include "services/heraldd/logging.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <string>

#include "services/core/masking.h"

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

}  // namespace

void SetUpLogging(spdlog::level::level_enum level, bool mask_contact_data) {
  auto stderr_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  stderr_sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      "time=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc));
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
