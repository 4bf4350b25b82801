// analyzer/: parses C/C++ with libclang and reports TLS set-up that selects,
// allows, caps or re-enables protocols below the floor. Which calls matter
// and what their arguments mean comes from patterns/ (ApiModel); values come
// from the compiler's AST (macros, enumerators, constant expressions, and
// locals initialised once from a constant).
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "tlsfloor/findings/model.h"
#include "tlsfloor/patterns/knowledge.h"

namespace tlsfloor::analyzer {

struct SourceJob {
  std::string displayPath;  // as reported (relative to the working directory)
  std::string absolutePath; // what the compiler opens
  // Compiler and flags: argv[0] (the compiler), then flags; no source file,
  // no -o/-c. Empty: a default command for the language of the file.
  std::vector<std::string> command;
  // Directory relative paths in `command` are resolved against (the compile
  // database entry's `directory`); passed as -working-directory, never chdir.
  std::string workingDirectory;
};

struct AnalyzerOptions {
  Protocol floor = Protocol::TLS1_2;
  // Parse files without a compile command as a machine without any SDK
  // would: no system include directories, only the built-in declarations.
  bool noSystemHeaders = false;
  // The project's directory (absolute): sinks in headers below it, reached
  // from a scanned file (inline functions, config macros), are reported at
  // the header's line, relative to it. Empty: only the scanned file itself.
  std::string projectRoot;
};

struct AnalysisResult {
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  // Sinks whose value the compiler could not give ("path:line: api"), so a
  // report can tell "clean" from "not understood".
  std::vector<std::string> unresolved;
  unsigned suppressed = 0; // findings silenced by a tlsfloor-ignore comment
};

// Where the packs say versions are decided, by qualified name.
struct SinkIndex {
  using Map = std::unordered_map<std::string, std::vector<const patterns::ApiModel *>>;
  Map calls;     // functions, methods, constructors
  Map fields;    // Record::field
  Map overrides; // virtual methods overridden in user code
  Map defines;   // macros whose definition is the sink
};

class Analyzer {
public:
  Analyzer(const patterns::KnowledgeBase &kb, AnalyzerOptions options);

  // Thread-safe: each call owns its libclang index and translation unit.
  AnalysisResult analyze(const SourceJob &job) const;

  // A Kconfig output (ESP-IDF `sdkconfig`, Zephyr `prj.conf`): `CONFIG_X=y`
  // lines are the same build-time switches as `#define CONFIG_X 1` in the
  // generated header, and reported where they are set.
  AnalysisResult analyzeConfig(const SourceJob &job) const;

  // The command used when no compile database entry exists: C or C++ by
  // the file's ending (and, for .h, its content); a Windows target with the
  // MinGW-w64 headers when it includes Windows headers; with
  // `systemHeaders` false, no system include directories at all.
  static std::vector<std::string> defaultCommand(const std::string &path, bool systemHeaders);

  // A library's header, the sink names (or spelled C++ classes and
  // namespaces) that show a file uses it, and the headers its built-in text
  // includes first (windows.h before winhttp.h: the real header needs them too).
  struct LibraryTrigger {
    std::string header;
    std::set<std::string> triggers;
    std::vector<std::string> prerequisites;
  };

private:
  const patterns::KnowledgeBase &kb_;
  AnalyzerOptions options_;
  SinkIndex sinks_;
  // The libraries' version macros the built-in headers define.
  std::set<std::string> versionMacros_;
  // (path under the built-in header directory, rendered text)
  std::vector<std::pair<std::string, std::string>> shimFiles_;
  std::vector<LibraryTrigger> libraryTriggers_;
};

bool isCSourcePath(const std::string &path);
bool isCxxSourcePath(const std::string &path);
// .h .hpp .hh .hxx .h++ .inl .ipp .tcc: analysed on their own too.
bool isHeaderPath(const std::string &path);
// sdkconfig, sdkconfig.defaults*, prj*.conf, overlay*.conf, *defconfig,
// boards/*.conf: Kconfig settings files.
bool isKconfigPath(const std::string &path);

} // namespace tlsfloor::analyzer
