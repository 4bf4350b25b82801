// compile_commands.json, read through libclang's compilation database.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tlsfloor::driver {

struct CompileEntry {
  std::string directory;
  std::vector<std::string> command; // compiler + flags; no source, -o, -c
};

// Keyed by the absolute, dot-free path of the source file.
using CompileDb = std::map<std::string, CompileEntry>;

bool loadCompileDb(const std::string &dir, CompileDb &db, std::string &error);

} // namespace tlsfloor::driver
