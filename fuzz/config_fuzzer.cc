// Config loading: heraldd's YAML configuration. Every input must load or be refused
// with a message naming what is wrong; nothing may crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/heraldd/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto config = herald::heraldd::ParseConfig(yaml, "fuzz.yaml");
  if (!config.ok() && config.status().message().empty()) __builtin_trap();
  return 0;
}
