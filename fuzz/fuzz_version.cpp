// libFuzzer: version strings as binaries carry them ("1.0.2zh-fips", "3.0.13").
// compareVersions must be a consistent order: antisymmetric and reflexive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tlsfloor/patterns/knowledge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  size_t split = text.find('\n');
  std::string a = text.substr(0, split), b = split == std::string::npos ? a : text.substr(split + 1);
  int ab = tlsfloor::patterns::compareVersions(a, b);
  int ba = tlsfloor::patterns::compareVersions(b, a);
  if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0) ||
      tlsfloor::patterns::compareVersions(a, a) != 0)
    std::abort();
  return 0;
}
