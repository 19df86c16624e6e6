#pragma once

#include <google/protobuf/timestamp.pb.h>

#include "services/core/clock.h"

namespace herald::api {

google::protobuf::Timestamp ToProto(core::Time t);
core::Time FromProto(const google::protobuf::Timestamp& t);

}  // namespace herald::api
