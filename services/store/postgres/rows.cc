#include "services/store/postgres/rows.h"

namespace herald::store::postgres {

std::string JoinChannels(const std::vector<core::Channel>& channels) {
  std::string out;
  for (core::Channel c : channels) {
    if (!out.empty()) out.push_back(',');
    out += core::Name(c);
  }
  return out;
}

std::optional<std::vector<core::Channel>> SplitChannels(std::string_view text) {
  std::vector<core::Channel> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::optional<core::Channel> channel = core::ParseChannel(text.substr(0, comma));
    if (!channel) return std::nullopt;
    out.push_back(*channel);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<std::string> ParseTextArray(std::string_view literal) {
  std::vector<std::string> out;
  if (literal.size() < 2 || literal.front() != '{') return out;
  literal = literal.substr(1, literal.size() - 2);
  size_t i = 0;
  while (i < literal.size()) {
    std::string element;
    if (literal[i] == '"') {
      for (++i; i < literal.size() && literal[i] != '"'; ++i) {
        if (literal[i] == '\\' && i + 1 < literal.size()) ++i;
        element.push_back(literal[i]);
      }
      ++i;  // the closing quote
    } else {
      for (; i < literal.size() && literal[i] != ','; ++i) element.push_back(literal[i]);
    }
    out.push_back(std::move(element));
    ++i;  // the comma
  }
  return out;
}

std::string ByteaText(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace herald::store::postgres
