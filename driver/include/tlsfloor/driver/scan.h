// The one scan driver: walks inputs, sends each to the engine that reads it,
// and merges what they return into one ScanReport. Prints nothing.
#pragma once

#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "tlsfloor/findings/model.h"
#include "tlsfloor/patterns/knowledge.h"

namespace tlsfloor::driver {

struct ScanOptions {
  std::vector<std::string> paths; // files or directories; empty = "."
  std::string compileCommandsDir; // directory holding compile_commands.json
  // Without compileCommandsDir: use ./compile_commands.json, or the one in
  // ./build or ./out, when there is one (an Info diagnostic says which).
  bool autodetectCompileDb = true;
  Protocol floor = Protocol::TLS1_2;
  unsigned jobs = 0; // 0 = one per core
};

enum class InputKind { Source, Binary, Skip };

// Classifies a file: C/C++ sources by extension; object files by magic;
// other non-text content (a NUL in the first block) as a raw blob.
InputKind classify(const std::string &path, llvm::StringRef head);

// Runs the scan. A configuration problem (unreadable compile database) is
// returned in `configError` with an empty report.
ScanReport runScan(const ScanOptions &options, const patterns::KnowledgeBase &kb,
                   std::string &configError);

} // namespace tlsfloor::driver
