#include "services/compose/json_data.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <limits>

#include "services/core/strings.h"

namespace herald::compose {

mstch::node NodeFromJson(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue: {
      mstch::map map;
      for (const auto& [key, field] : value.struct_value().fields()) map[key] = NodeFromJson(field);
      return map;
    }
    case google::protobuf::Value::kListValue: {
      mstch::array array;
      for (const auto& item : value.list_value().values()) array.push_back(NodeFromJson(item));
      return array;
    }
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kNumberValue: {
      const double d = value.number_value();
      if (std::trunc(d) == d && d >= std::numeric_limits<int>::min() &&
          d <= std::numeric_limits<int>::max()) {
        return static_cast<int>(d);
      }
      return d;
    }
    case google::protobuf::Value::kBoolValue:
      return value.bool_value();
    default:
      return mstch::node();
  }
}

absl::StatusOr<mstch::node> ParseJsonData(std::string_view json) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        core::StrCat("not valid JSON: ", std::string(status.message())));
  }
  return NodeFromJson(value);
}

}  // namespace herald::compose
