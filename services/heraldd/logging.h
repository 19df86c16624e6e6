#pragma once

#include <spdlog/common.h>

namespace herald::heraldd {

/// Structured log lines on stderr, one event per line in logfmt:
/// `time=2026-11-22T07:00:00.123456Z level=info msg="listening" protocol=grpc ...`.
void SetUpLogging(spdlog::level::level_enum level);

}  // namespace herald::heraldd
