// libFuzzer: the compile-database reader and the argument allow-list. Beyond
// "no crash": nothing that could write or load code may survive the filter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "compile_db.h"

using namespace tlsfloor::driver;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  CompileDb db;
  std::string error;
  parseCompileDb(text, "/nonexistent-project", {"/nonexistent-project"}, db, error);
  for (const auto &[file, entry] : db) {
    if (entry.command.empty() || (entry.command[0] != "clang" && entry.command[0] != "clang++"))
      std::abort();
    for (size_t i = 1; i < entry.command.size(); ++i) {
      const std::string &a = entry.command[i];
      // The value of -D/-U/-I/... is data, whatever it spells.
      for (const char *valued : {"-D", "-U", "-I", "-isystem", "-iquote", "-idirafter", "-x",
                                 "-include", "-imacros", "-iframework", "-F", "-isysroot",
                                 "-target", "-arch", "-cxx-isystem", "-isystem-after"})
        if (a == valued) {
          ++i;
          goto next;
        }
      for (const char *bad : {"-Xclang", "-MJ", "-MF", "-MD", "-Wp,", "-fplugin", "-load", "@",
                              "--config", "-mllvm", "-o", "-fmodules", "-ivfsoverlay"})
        if (a.rfind(bad, 0) == 0)
          std::abort();
    next:;
    }
  }
  return 0;
}
