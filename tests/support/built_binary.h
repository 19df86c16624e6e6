#pragma once

#include <string>

namespace herald::testing {

/// `path`, a binary of this build tree (a HERALDD_PATH-style absolute path), or the same
/// binary in the build tree HERALD_TEST_BUILD_DIR names when it is set: `tools/dev test`
/// runs the integration tests built with the sanitizers against the binaries built as
/// shipped (release).
std::string BuiltBinary(const std::string& path);

}  // namespace herald::testing
