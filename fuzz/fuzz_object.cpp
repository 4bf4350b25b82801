// libFuzzer: every object-file parser binscan uses (ELF of any class and
// byte order, PE/COFF, Mach-O, universal Mach-O, ar archives, raw blobs).
#include <cstddef>
#include <cstdint>

#include "llvm/Support/MemoryBufferRef.h"
#include "tlsfloor/binscan/binscan.h"

using namespace tlsfloor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  static const binscan::BinaryScanner scanner(kb, binscan::BinscanOptions{});
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  binscan::BinaryResult r = scanner.scan({"fuzz"}, llvm::MemoryBufferRef(bytes, "fuzz"));
  (void)binscan::looksLikeObjectFile(bytes);
  return r.findings.size() > 1000000 ? 1 : 0;
}
