#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace herald::compose {

/// Template data: null, a boolean, a number, a string, a list or a map, built once and
/// then only read. A map keeps its entries sorted by key, so a lookup is a binary
/// search over a few entries.
class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kList, kMap };
  using List = std::vector<Value>;
  using Entry = std::pair<std::string, Value>;

  Value() = default;
  Value(std::nullptr_t) {}
  // Only a bool itself: a pointer or a number never becomes one.
  template <std::same_as<bool> B>
  Value(B b) : data_(b) {}
  Value(int i) : data_(int64_t{i}) {}
  Value(int64_t i) : data_(i) {}
  Value(double d) : data_(d) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  // Without it a string literal would become a bool.
  Value(const char* s) : data_(std::string(s)) {}

  /// A list of values, in order.
  static Value MakeList(List items);
  /// A map; when a key comes twice the last one counts, as when assigning in turn.
  static Value MakeMap(std::vector<Entry> entries);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }

  /// Whether a section renders for it: not for null, false, 0, "" or an empty list (a
  /// map, even an empty one, does).
  bool truthy() const;

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_double() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  /// The items of a list; empty for anything else.
  std::span<const Value> items() const;
  /// The entries of a map, sorted by key; empty for anything else.
  std::span<const Entry> entries() const;

  /// The value of `key` in a map; null for a missing key or when this is no map.
  const Value* Find(std::string_view key) const;

  /// How {{name}} writes it: numbers as the C++ stream would (3, 2.5, 1e+10), booleans
  /// as true and false, nothing for null, lists and maps.
  void AppendText(std::string& out) const;

 private:
  struct MapTag {
    std::vector<Entry> entries;
  };

  std::variant<std::monostate, bool, int64_t, double, std::string, List, MapTag> data_;
};

}  // namespace herald::compose
