// SquashFS images (binscan/squashfs.cpp through libsquashfs): any bytes that
// start with the magic are walked within the limits, without crashing or
// hanging; members are handed over with sizes the limits allow.
#include <cstddef>
#include <cstdint>
#include <string>

#include "squashfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (!tlsfloor::binscan::looksLikeSquashfs(bytes))
    return 0;
  tlsfloor::binscan::ArchiveLimits limits;
  limits.maxMemberBytes = 1 << 20;
  limits.maxTotalBytes = 16 << 20;
  limits.maxMembers = 10000;
  uint64_t total = 0;
  tlsfloor::binscan::walkSquashfs(
      {"fuzz"}, bytes, limits, total,
      [&](const std::vector<std::string> &, llvm::MemoryBufferRef m) {
        if (m.getBufferSize() > limits.maxMemberBytes)
          __builtin_trap();
      },
      [](const std::vector<std::string> &, const std::string &) {});
  return 0;
}
