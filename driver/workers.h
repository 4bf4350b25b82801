// Per-input isolation: every input is analysed in a worker process of our
// own executable (`tlsfloor __worker`), sandboxed read-only, with a memory
// budget (address-space limit) and a time budget (killed past it). A crash,
// a hang or an allocation storm costs that one input a diagnostic; the scan
// goes on with a fresh worker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/Support/JSON.h"
#include "tlsfloor/findings/model.h"

namespace tlsfloor::driver {

struct WorkItem {
  enum class Kind { Source, Config, Binary } kind = Kind::Source;
  std::string display;              // reported path
  std::string path;                 // opened path
  uint64_t size = 0;                // file size (binaries are mapped: part of the budget)
  std::vector<std::string> command; // sources: filtered compiler command, or empty
  std::string directory;            // sources: the command's working directory
};

// The time budget of one input: `timeout` (0 = none), and for a binary or
// bundle one more second per 8 MiB, so a multi-GB release bundle (walked in
// one sandboxed worker) is not cut off at the budget a source file gets.
unsigned inputBudgetSeconds(const WorkItem &item, unsigned timeout);

struct WorkResult {
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> unresolved;
  unsigned suppressed = 0;
};

struct PoolOptions {
  std::string executable; // this program (re-executed as `__worker`)
  unsigned workers = 1;
  unsigned timeoutSeconds = 0; // per input; 0 = none
  uint64_t memoryBytes = 0;    // per input, beyond the worker's own size; 0 = none
  llvm::json::Object init;     // handed to every worker first (floor, rule packs)
};

std::vector<WorkResult> runInWorkers(const std::vector<WorkItem> &items, const PoolOptions &options);

// The worker side (workerMain(), declared in tlsfloor/driver/scan.h): reads
// `init` and then one job per line on stdin, writes one result per line on
// stdout.

// Exit code of a worker whose allocation failed under its memory budget.
constexpr int kWorkerOutOfMemory = 86;

} // namespace tlsfloor::driver
