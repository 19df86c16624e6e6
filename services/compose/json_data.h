#pragma once

#include <google/protobuf/struct.pb.h>

#include <string_view>

#include "absl/status/statusor.h"
#include "services/compose/value.h"

namespace herald::compose {

/// JSON as template data: objects, lists, strings and booleans as they are; whole
/// numbers as integers, others as decimals; null as nothing (falsy, renders empty).
Value ValueFromJson(const google::protobuf::Value& value);

/// Parses JSON text into template data; INVALID_ARGUMENT says what is wrong with it.
absl::StatusOr<Value> ParseJsonData(std::string_view json);

}  // namespace herald::compose
