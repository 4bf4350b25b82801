#include "compile_db.h"

#include <clang-c/CXCompilationDatabase.h>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace tlsfloor::driver {

namespace {
std::string take(CXString s) {
  const char *c = clang_getCString(s);
  std::string out = c ? c : "";
  clang_disposeString(s);
  return out;
}

std::string absoluteIn(const std::string &dir, const std::string &path) {
  llvm::SmallString<256> p(path);
  if (!llvm::sys::path::is_absolute(p)) {
    llvm::SmallString<256> base(dir);
    llvm::sys::path::append(base, path);
    p = base;
  }
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

// Flags that name outputs or only make sense to the build; the AST does not
// need them.
bool dropsNext(const std::string &a) { return a == "-o" || a == "-MF" || a == "-MT" || a == "-MQ"; }
bool dropsSelf(const std::string &a) {
  return a == "-c" || a == "-MD" || a == "-MMD" || a == "-M" || a == "-MM" ||
         (a.size() > 2 && a.rfind("-o", 0) == 0 && a.rfind("-objc", 0) != 0);
}
} // namespace

bool loadCompileDb(const std::string &dir, CompileDb &db, std::string &error) {
  llvm::SmallString<256> file(dir);
  llvm::sys::path::append(file, "compile_commands.json");
  if (!llvm::sys::fs::exists(file)) {
    error = "no compile_commands.json in " + dir;
    return false;
  }
  CXCompilationDatabase_Error err = CXCompilationDatabase_NoError;
  CXCompilationDatabase cdb = clang_CompilationDatabase_fromDirectory(dir.c_str(), &err);
  if (err != CXCompilationDatabase_NoError || !cdb) {
    error = "cannot load " + std::string(file) + " (not a valid compilation database)";
    return false;
  }
  CXCompileCommands cmds = clang_CompilationDatabase_getAllCompileCommands(cdb);
  for (unsigned i = 0, n = clang_CompileCommands_getSize(cmds); i < n; ++i) {
    CXCompileCommand cmd = clang_CompileCommands_getCommand(cmds, i);
    CompileEntry entry;
    entry.directory = take(clang_CompileCommand_getDirectory(cmd));
    std::string source = take(clang_CompileCommand_getFilename(cmd));
    std::string absSource = absoluteIn(entry.directory, source);
    unsigned nargs = clang_CompileCommand_getNumArgs(cmd);
    for (unsigned a = 0; a < nargs; ++a) {
      std::string arg = take(clang_CompileCommand_getArg(cmd, a));
      if (a > 0 && dropsNext(arg)) {
        ++a;
        continue;
      }
      if (a > 0 && (dropsSelf(arg) || arg == source || absoluteIn(entry.directory, arg) == absSource))
        continue;
      entry.command.push_back(std::move(arg));
    }
    if (!entry.command.empty())
      db.emplace(absSource, std::move(entry)); // first entry for a file wins
  }
  clang_CompileCommands_dispose(cmds);
  clang_CompilationDatabase_dispose(cdb);
  return true;
}

} // namespace tlsfloor::driver
