#pragma once

#include <spdlog/common.h>

namespace herald::heraldd {

/// Structured log lines on stderr, one event per line in logfmt:
/// `time=2026-11-22T07:00:00.123456Z level=info msg="listening" protocol=grpc ...`.
/// With `mask_contact_data`, every email address and phone number in a line is masked
/// (core::MaskContactData) whoever wrote it.
void SetUpLogging(spdlog::level::level_enum level, bool mask_contact_data = true);

}  // namespace herald::heraldd
