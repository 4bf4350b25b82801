// The one scan driver: walks inputs, sends each to the engine that reads it
// (in an isolated, sandboxed worker process), and merges what they return
// into one ScanReport. Prints nothing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "tlsfloor/findings/model.h"
#include "tlsfloor/patterns/knowledge.h"

namespace tlsfloor::binscan {
class NamedFiles;
}

namespace tlsfloor::driver {

struct ScanOptions {
  std::vector<std::string> paths; // files or directories; empty = "."
  std::string compileCommandsDir; // directory holding compile_commands.json
  // Without compileCommandsDir: use ./compile_commands.json, or the one in
  // ./build or ./out, when there is one (an Info diagnostic says which).
  bool autodetectCompileDb = true;
  Protocol floor = Protocol::TLS1_2;
  unsigned jobs = 0; // 0 = one per core
  // This program, re-executed as the per-input worker (`tlsfloor __worker`).
  std::string executable;
  unsigned timeoutSeconds = 120; // per input; 0 = none
  uint64_t memoryMiB = 4096;     // per input; 0 = none
  // Rule packs beyond the built-in ones, as (name, text): workers load them too.
  std::vector<std::pair<std::string, std::string>> packs;
  // The report's file (-o): the scan refuses to run when it is one of the inputs.
  std::string outputPath;
  bool verbose = false; // info diagnostics for dropped compile flags
  // Files without a compile command are parsed with no system include
  // directories: what a machine without the libraries' SDKs sees.
  bool noSystemHeaders = false;
  // Compile-database arguments to drop beyond the allow-list ("-mfoo", "-mbar*").
  std::vector<std::string> removeArgs;
  // Compilers (globs over the database's compiler path) that may be run to
  // ask for their include directories and target (opt-in: this executes them).
  std::vector<std::string> queryDrivers;
};

enum class InputKind { Source, Config, Binary, Skip };

// Classifies a file: C/C++ sources by extension; object files by magic;
// other non-text content (a NUL in the first block) as a raw blob.
// `named`: file names a component's own files have (binscan::NamedFiles);
// null to classify by content only.
InputKind classify(const std::string &path, llvm::StringRef head,
                   const binscan::NamedFiles *named = nullptr);

// Runs the scan. The workers load the built-in packs plus options.packs
// (validated by the caller). A configuration problem (unreadable compile
// database, -o onto an input) is returned in `configError` with an empty
// report.
ScanReport runScan(const ScanOptions &options, std::string &configError);

// The process entry point of `tlsfloor __worker` (internal: the driver
// starts it). Returns the exit code.
int workerMain();

} // namespace tlsfloor::driver
