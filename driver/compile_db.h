// compile_commands.json: an untrusted file from the scanned repository. Read
// with bounds (regular file, size, JSON nesting) and every command passed
// through the argument allow-list (arg_filter.h).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tlsfloor::driver {

struct CompileEntry {
  std::string directory;
  std::vector<std::string> command; // filtered: "clang"/"clang++" + kept flags
  std::vector<std::string> dropped; // arguments the filter removed
  std::string compiler;             // the database's compiler, as written (never run,
                                    // unless it matches the user's --query-driver)
  bool cxx = false;
};

// Keyed by the absolute, dot-free path of the source file.
using CompileDb = std::map<std::string, CompileEntry>;

// Limits on what is read.
constexpr uint64_t kMaxCompileDbBytes = 512ull << 20;
constexpr unsigned kMaxJsonDepth = 64;

// Reads `dir`/compile_commands.json. `projectRoots` bound what -include and
// @file may name. False with `error` when it cannot be used at all.
bool loadCompileDb(const std::string &dir, const std::vector<std::string> &projectRoots,
                   CompileDb &db, std::string &error);

// Parses the text of a compile database (the fuzz target's entry point).
bool parseCompileDb(const std::string &text, const std::string &dbDir,
                    const std::vector<std::string> &projectRoots, CompileDb &db,
                    std::string &error);

// --remove-arg: drops kept arguments equal to a pattern, or starting with it
// when the pattern ends in '*'.
void removeArguments(CompileDb &db, const std::vector<std::string> &patterns);

// --query-driver: for entries whose compiler matches one of `globs`, asks that
// compiler (run with a time limit, output bounded) for its system include
// directories and target, and adds them. Returns one note per compiler.
std::vector<std::string> queryDrivers(CompileDb &db, const std::vector<std::string> &globs);

// True when `text` nests JSON arrays/objects no deeper than `limit` (LLVM's
// parser recurses once per level).
bool jsonDepthWithin(const std::string &text, unsigned limit);

} // namespace tlsfloor::driver
