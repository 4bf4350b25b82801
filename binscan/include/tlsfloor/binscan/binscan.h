// binscan/: identifies TLS components a binary embeds or links, from version
// text, defined and imported symbols and ELF symbol versions, and flags those
// older than their first TLS 1.2 release. Which components exist and how to
// recognise them is data (patterns/components.yaml).
#pragma once

#include <string>
#include <vector>

#include "tlsfloor/findings/model.h"
#include "tlsfloor/patterns/knowledge.h"

#include "llvm/ADT/StringRef.h"

#include "llvm/Support/MemoryBufferRef.h"

namespace tlsfloor::binscan {

struct BinscanOptions {
  Protocol floor = Protocol::TLS1_2;
};

struct BinaryResult {
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  std::string format; // "elf", "pe", "macho", "raw", ...
};

class BinaryScanner {
public:
  BinaryScanner(const patterns::KnowledgeBase &kb, BinscanOptions options);
  ~BinaryScanner();
  BinaryScanner(const BinaryScanner &) = delete;
  BinaryScanner &operator=(const BinaryScanner &) = delete;

  // `chain` names the input (outermost container first). Thread-safe.
  BinaryResult scan(const std::vector<std::string> &chain, llvm::MemoryBufferRef data) const;

  // Reads (memory-maps) `path` and scans it.
  BinaryResult scanFile(const std::vector<std::string> &chain, const std::string &path) const;

private:
  void scanInto(const std::vector<std::string> &chain, llvm::MemoryBufferRef data, unsigned depth,
                BinaryResult &result) const;
  struct Compiled;
  const patterns::KnowledgeBase &kb_;
  BinscanOptions options_;
  std::vector<Compiled> *compiled_;
};

// True when the first bytes look like an object file this scanner parses
// (ELF, PE/COFF, Mach-O, ...) or a bundle it opens (tar, zip, deb, rpm...).
bool looksLikeObjectFile(llvm::StringRef head);

} // namespace tlsfloor::binscan
