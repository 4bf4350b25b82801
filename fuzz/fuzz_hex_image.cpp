// Intel HEX / S-record firmware images (binscan/hex_image.cpp): any text is
// recognised or not, and decodes within its bound, without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hex_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  if (tlsfloor::binscan::looksLikeHexImage(text.take_front(4096))) {
    std::string problem;
    std::string out = tlsfloor::binscan::decodeHexImage(text, 1 << 16, problem);
    if (out.size() > (1u << 16))
      __builtin_trap();
  }
  return 0;
}
