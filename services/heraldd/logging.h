#pragma once

#include <spdlog/common.h>

#include <string>
#include <string_view>

namespace herald::heraldd {

/// Structured log lines on stderr, one event per line in logfmt:
/// `time=2026-11-22T07:00:00.123456Z level=info msg="listening" protocol=grpc ...`,
/// or with `json` the same as one JSON object per line:
/// `{"time":"2026-11-22T07:00:00.123456Z","level":"info","msg":"listening",...}`.
/// With `mask_contact_data`, every email address and phone number in a line is masked
/// (core::MaskContactData) whoever wrote it.
void SetUpLogging(spdlog::level::level_enum level, bool mask_contact_data = true,
                  bool json = false);

/// A logfmt line's fields (`msg="a b" key=value ...`) as the members of a JSON object
/// after `time` and `level`, every value a string; what does not read as logfmt is
/// kept whole as "msg". Invalid UTF-8 becomes U+FFFD.
std::string LogLineAsJson(std::string_view time, std::string_view level, std::string_view logfmt);

}  // namespace herald::heraldd
