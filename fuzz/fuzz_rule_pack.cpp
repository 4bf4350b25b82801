// libFuzzer: rule packs (YAML) as a user or a scanned repository may supply.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tlsfloor/patterns/knowledge.h"

using namespace tlsfloor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const patterns::KnowledgeBase base = patterns::KnowledgeBase::builtin();
  patterns::KnowledgeBase kb = base;
  std::string text(reinterpret_cast<const char *>(data), size);
  std::string error;
  if (kb.addPack(text, "fuzz.yaml", error))
    kb.validate(error);
  return 0;
}
