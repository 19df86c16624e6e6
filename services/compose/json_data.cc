#include "services/compose/json_data.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <limits>
#include <vector>

#include "services/core/strings.h"

namespace herald::compose {

Value ValueFromJson(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue: {
      std::vector<Value::Entry> map;
      map.reserve(value.struct_value().fields().size());
      for (const auto& [key, field] : value.struct_value().fields()) {
        map.emplace_back(key, ValueFromJson(field));
      }
      return Value::MakeMap(std::move(map));
    }
    case google::protobuf::Value::kListValue: {
      Value::List list;
      list.reserve(value.list_value().values().size());
      for (const auto& item : value.list_value().values()) list.push_back(ValueFromJson(item));
      return Value::MakeList(std::move(list));
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
      return Value();
  }
}

absl::StatusOr<Value> ParseJsonData(std::string_view json) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        core::StrCat("not valid JSON: ", std::string(status.message())));
  }
  return ValueFromJson(value);
}

}  // namespace herald::compose
