#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herald::store {

/// One page of a listing ordered by key; next_after is the key to continue after.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;
};

/// A page from up to limit + 1 items read in key order: the extra one only says there
/// is more, and the page continues after the last item kept.
template <typename T, typename Key>
Page<T> PageFrom(std::vector<T> items, int limit, Key key) {
  Page<T> page;
  page.items = std::move(items);
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<size_t>(limit));
    page.next_after = key(page.items.back());
  }
  return page;
}

}  // namespace herald::store
