#include "services/compose/value.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iterator>
#include <utility>

namespace herald::compose {

Value Value::MakeList(List items) {
  Value v;
  v.data_ = std::move(items);
  return v;
}

Value Value::MakeMap(std::vector<Entry> entries) {
  // Sorted stably, so that of equal keys the last stays last. Most maps are small, and
  // an insertion sort allocates nothing.
  if (entries.size() <= 16) {
    for (size_t i = 1; i < entries.size(); ++i) {
      for (size_t j = i; j > 0 && entries[j].first < entries[j - 1].first; --j) {
        std::swap(entries[j], entries[j - 1]);
      }
    }
  } else {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.first < b.first; });
  }
  auto kept = entries.begin();
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (kept != entries.begin() && std::prev(kept)->first == it->first) {
      std::prev(kept)->second = std::move(it->second);
    } else {
      if (kept != it) *kept = std::move(*it);
      ++kept;
    }
  }
  entries.erase(kept, entries.end());
  Value v;
  v.data_ = MapTag{std::move(entries)};
  return v;
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kDouble:
      return as_double() != 0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !std::get<List>(data_).empty();
    case Kind::kMap:
      return true;
  }
  return false;
}

std::span<const Value> Value::items() const {
  if (const List* list = std::get_if<List>(&data_)) return *list;
  return {};
}

std::span<const Value::Entry> Value::entries() const {
  if (const MapTag* map = std::get_if<MapTag>(&data_)) return map->entries;
  return {};
}

const Value* Value::Find(std::string_view key) const {
  const MapTag* map = std::get_if<MapTag>(&data_);
  if (map == nullptr) return nullptr;
  // Most maps are small (an amount, a timestamp, a customer): a scan comparing lengths
  // first beats a binary search comparing bytes.
  if (map->entries.size() <= 8) {
    for (const Entry& entry : map->entries) {
      if (std::string_view(entry.first) == key) return &entry.second;
    }
    return nullptr;
  }
  auto it = std::lower_bound(
      map->entries.begin(), map->entries.end(), key,
      [](const Entry& entry, std::string_view k) { return std::string_view(entry.first) < k; });
  if (it == map->entries.end() || it->first != key) return nullptr;
  return &it->second;
}

void Value::AppendText(std::string& out) const {
  switch (kind()) {
    case Kind::kBool:
      out += as_bool() ? "true" : "false";
      return;
    case Kind::kInt: {
      char buffer[24];
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, as_int()).ptr);
      return;
    }
    case Kind::kDouble: {
      // What `std::ostream << double` writes by default: six significant digits.
      char buffer[32];
      const int n = std::snprintf(buffer, sizeof buffer, "%g", as_double());
      out.append(buffer, static_cast<size_t>(n));
      return;
    }
    case Kind::kString:
      out += as_string();
      return;
    default:
      return;
  }
}

}  // namespace herald::compose
