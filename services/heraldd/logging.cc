#include "services/heraldd/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace herald::heraldd {

void SetUpLogging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_logger_mt("heraldd");
  logger->set_pattern("time=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace herald::heraldd
