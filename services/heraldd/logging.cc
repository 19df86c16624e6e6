#include "services/heraldd/logging.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace herald::heraldd {

void SetUpLogging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_logger_mt("heraldd");
  logger->set_pattern("time=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
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
