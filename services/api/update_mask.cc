#include "services/api/update_mask.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/field_mask_util.h>

#include <vector>

#include "absl/strings/str_split.h"
#include "services/api/status.h"
#include "services/core/strings.h"

namespace herald::api {

using google::protobuf::FieldDescriptor;
using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

absl::Status ApplyUpdateMask(const google::protobuf::Message& patch, const FieldMask& mask,
                             const std::set<std::string>& frozen,
                             google::protobuf::Message& target) {
  const google::protobuf::Descriptor* descriptor = patch.GetDescriptor();
  FieldMask effective;
  const bool everything = mask.paths_size() == 1 && mask.paths(0) == "*";
  if (mask.paths_size() == 0 || everything) {
    std::vector<const FieldDescriptor*> fields;
    if (everything) {
      for (int i = 0; i < descriptor->field_count(); ++i) fields.push_back(descriptor->field(i));
    } else {
      patch.GetReflection()->ListFields(patch, &fields);
    }
    for (const FieldDescriptor* f : fields) {
      if (!frozen.contains(f->name())) effective.add_paths(f->name());
    }
  } else {
    for (const std::string& path : mask.paths()) {
      if (path == "*") {
        return FieldError("update_mask", "\"*\" must be the only path when used");
      }
      if (!FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr)) {
        return FieldError("update_mask",
                          core::StrCat("\"", path, "\" is not a field of ", descriptor->name()));
      }
      const std::string top(*absl::StrSplit(path, '.').begin());
      if (frozen.contains(top)) {
        return FieldError("update_mask", core::StrCat("\"", path, "\" cannot be updated"));
      }
      effective.add_paths(path);
    }
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, effective, options, &target);
  return absl::OkStatus();
}

}  // namespace herald::api
