#pragma once

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

#include <set>
#include <string>

#include "absl/status/status.h"

namespace herald::api {

/// Applies an AIP-134 update: the fields of `patch` named in `mask` replace those of
/// `target` (repeated and message fields are replaced whole, not merged). An empty mask
/// means every field set in `patch`; "*" means every field. Fields in `frozen` (the
/// resource's key and output-only fields) are never changed; naming one explicitly, or
/// naming a field the message does not have, is INVALID_ARGUMENT on update_mask.
absl::Status ApplyUpdateMask(const google::protobuf::Message& patch,
                             const google::protobuf::FieldMask& mask,
                             const std::set<std::string>& frozen,
                             google::protobuf::Message& target);

}  // namespace herald::api
