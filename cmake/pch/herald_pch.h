// What almost every Herald source includes and takes longest to parse: the standard
// library, Abseil's status types, protobuf and gRPC. Compiled once per build and
// force-included (cmake/precompiled_headers.cmake); sources still include what they use.
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
