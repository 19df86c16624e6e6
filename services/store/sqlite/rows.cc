#include "services/store/sqlite/rows.h"

#include "absl/strings/str_split.h"
#include "services/core/strings.h"

namespace herald::store::sqlite {

std::string JoinChannels(const std::vector<core::Channel>& channels) {
  std::string out;
  for (core::Channel c : channels) core::StrAppend(out, out.empty() ? "" : ",", core::Name(c));
  return out;
}

std::optional<std::vector<core::Channel>> SplitChannels(std::string_view text) {
  std::vector<core::Channel> out;
  for (absl::string_view name : absl::StrSplit(core::ToAbsl(text), ',', absl::SkipEmpty())) {
    std::optional<core::Channel> channel = core::ParseChannel(core::ToStd(name));
    if (!channel) return std::nullopt;
    out.push_back(*channel);
  }
  return out;
}

std::string JsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out.push_back(',');
    core::AppendJsonString(out, v);
  }
  out.push_back(']');
  return out;
}

std::string JsonArray(const std::vector<int64_t>& values) {
  std::string out = "[";
  for (int64_t v : values) core::StrAppend(out, out.size() > 1 ? "," : "", v);
  out.push_back(']');
  return out;
}

}  // namespace herald::store::sqlite
