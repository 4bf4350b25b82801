#pragma once

#include <string_view>
#include <vector>

namespace tlsfloor::patterns {

struct EmbeddedFile {
  std::string_view name;
  std::string_view data;
};

// The packs in patterns/*.yaml, compiled into the binary at build time.
const std::vector<EmbeddedFile> &builtinPacks();

} // namespace tlsfloor::patterns
