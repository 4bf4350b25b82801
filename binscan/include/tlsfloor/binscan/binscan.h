// binscan/: identifies TLS components a binary embeds or links, from version
// text, defined and imported symbols and ELF symbol versions, and flags those
// older than their first TLS 1.2 release. Which components exist and how to
// recognise them is data (patterns/components.yaml).
#pragma once

#include <string>
#include <vector>

#include "tlsfloor/findings/model.h"
#include "tlsfloor/patterns/knowledge.h"

#include <cstdint>
#include <functional>
#include <map>
#include <set>

#include "llvm/ADT/StringRef.h"
#include "llvm/BinaryFormat/Magic.h"

#include "llvm/Support/MemoryBufferRef.h"

namespace tlsfloor::binscan {

struct BinscanOptions {
  Protocol floor = Protocol::TLS1_2;
};

struct BinaryResult {
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  std::string format; // "elf", "pe", "macho", "raw", ...
  // The component of each finding, parallel to `findings` while the scanner
  // fills it (null for findings that are not about a component).
  std::vector<const patterns::Component *> components;
  // Every ELF and PE file seen: what it needs and where it looks (internal
  // to one scan: resolves DT_NEEDED and DLL imports inside a bundle).
  struct ElfLinks {
    std::vector<std::string> chain;
    std::vector<std::string> needed, runpaths;
    std::string soname;
    bool pe = false;
    std::vector<std::pair<std::string, uint16_t>> ordinalImports; // PE: (dll, ordinal)
    std::map<uint32_t, std::string> exportsByOrdinal;             // PE: its export table
    std::set<std::string> uses; // ids of components whose link API it imports by name
  };
  std::vector<ElfLinks> elfLinks;
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

  // True when a file of this name is read for what it says about a
  // component although it is not a binary (a JDK's `release`, a jar's
  // pom.properties, botocore/__init__.py): patterns' `files:` entries.
  bool namedFile(llvm::StringRef path) const;

  // Inputs that hold inputs: tried in turn, the first that accepts the
  // bytes opens them and hands each member back to the scanner (Bloaty's
  // table of openers). `skipsText`: text members are not components.
  struct Container {
    const char *format; // BinaryResult::format when it is the top-level input
    const char *what;   // for diagnostics
    bool skipsText;
    bool (*accepts)(llvm::StringRef bytes, llvm::file_magic magic);
    // false: not opened after all; the bytes are read as an object or raw.
    bool (*open)(const std::vector<std::string> &chain, llvm::MemoryBufferRef data, unsigned depth,
                 const std::function<void(const std::vector<std::string> &, llvm::MemoryBufferRef)> &member,
                 const std::function<void(const std::vector<std::string> &, const std::string &)> &problem);
  };
  static const std::vector<Container> &containers();

private:
  void scanInto(const std::vector<std::string> &chain, llvm::MemoryBufferRef data, unsigned depth,
                BinaryResult &result) const;
  void nameDeciders(BinaryResult &result) const;
  void resolveLinks(BinaryResult &result) const;
  void judge(Finding &f, const patterns::Component &c, const std::string &how,
             bool lowerBound, bool optedIn = false) const;
  Finding legacyImport(const std::vector<std::string> &chain, const patterns::Component &c,
                       const patterns::Component::LegacySymbol &l, const std::string &how) const;
  struct Compiled;
  struct Patterns;
  const patterns::KnowledgeBase &kb_;
  BinscanOptions options_;
  std::vector<Compiled> *compiled_;
  Patterns *sets_;
};

// The file names the packs' `files:` entries recognise (a JDK's `release`,
// a jar's pom.properties, botocore/__init__.py): such files are inputs for
// the binary scanner although they are text. One RE2::Set pass per name.
class NamedFiles {
public:
  explicit NamedFiles(const patterns::KnowledgeBase &kb);
  ~NamedFiles();
  NamedFiles(const NamedFiles &) = delete;
  NamedFiles &operator=(const NamedFiles &) = delete;
  bool matches(llvm::StringRef path) const;

private:
  struct Impl;
  Impl *impl_;
};

// True when the first bytes look like an object file this scanner parses
// (ELF, PE/COFF, Mach-O, ...) or a bundle it opens (tar, zip, deb, rpm...).
bool looksLikeObjectFile(llvm::StringRef head);

} // namespace tlsfloor::binscan
