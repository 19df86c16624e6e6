#include "services/api/time_mapping.h"

#include <google/protobuf/util/time_util.h>

namespace herald::api {

google::protobuf::Timestamp ToProto(core::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(t.time_since_epoch().count());
}

core::Time FromProto(const google::protobuf::Timestamp& t) {
  return core::Time(
      std::chrono::microseconds(google::protobuf::util::TimeUtil::TimestampToMicroseconds(t)));
}

}  // namespace herald::api
