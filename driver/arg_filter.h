// Compile commands come from the scanned repository: untrusted. Only the
// arguments that shape how a file parses survive (an allow-list, never a
// deny-list); everything that could make the compiler write, read outside the
// project, load code or print is dropped. docs/security.md has the rules.
#pragma once

#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace tlsfloor::driver {

struct FilterContext {
  // Absolute, dot-free directories whose files may be named by -include,
  // -imacros and @response files (the working directory and scanned paths).
  std::vector<std::string> projectRoots;
  // The entry's working directory, for relative paths.
  std::string directory;
};

struct FilteredCommand {
  // argv[0] ("clang" or "clang++", chosen from the original compiler's name),
  // then the kept flags, then an inferred --target for a cross compiler.
  std::vector<std::string> args;
  std::vector<std::string> dropped; // what was removed, for --verbose
};

// `raw` is the whole command: compiler first, source file and outputs
// included. `source` is the file it compiles (dropped, the analyzer adds it).
FilteredCommand filterCommand(const std::vector<std::string> &raw, const std::string &source,
                              const FilterContext &ctx);

// `path` made absolute against `dir` (when relative) and without dots.
std::string absoluteIn(const std::string &dir, llvm::StringRef path);

// True when `path` (absolute, dot-free) is inside one of `roots`.
bool insideRoots(const std::string &path, const std::vector<std::string> &roots);

} // namespace tlsfloor::driver
