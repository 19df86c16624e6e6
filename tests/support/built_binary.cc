#include "tests/support/built_binary.h"

#include <cstdlib>
#include <string_view>

namespace herald::testing {

std::string BuiltBinary(const std::string& path) {
  const char* other = std::getenv("HERALD_TEST_BUILD_DIR");
  constexpr std::string_view kThisBuild = HERALD_BUILD_DIR;
  if (other == nullptr || *other == '\0' || !path.starts_with(kThisBuild)) return path;
  return std::string(other) + path.substr(kThisBuild.size());
}

}  // namespace herald::testing
