// Shared helpers for the tests: run the built CLI, read JSON reports, make
// scratch directories.
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "llvm/Support/JSON.h"

namespace tlsfloor::test {

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

inline std::string shellQuote(const std::string &s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string &path, const std::string &data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

// A fresh directory under /tmp, removed by the destructor.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/tlsfloor-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + shellQuote(path)).c_str()); }
  std::string file(const std::string &name) const { return path + "/" + name; }
};

// Runs `tlsfloor args...` from `cwd` (default: the source tree) and
// captures stdout, stderr and the exit code. `prefix` goes before the binary
// (e.g. setpriv to drop root).
inline RunResult runTool(const std::vector<std::string> &args, const std::string &cwd = "",
                         const std::string &prefix = "", const std::string &exe = "") {
  TempDir scratch;
  chmod(scratch.path.c_str(), 0777); // an unprivileged `prefix` user writes here too
  std::string cmd = "cd " + shellQuote(cwd.empty() ? TLSFLOOR_SOURCE_DIR : cwd) + " && " +
                    prefix + " " + shellQuote(exe.empty() ? TLSFLOOR_EXE : exe);
  for (const std::string &a : args)
    cmd += " " + shellQuote(a);
  cmd += " >" + shellQuote(scratch.file("out")) + " 2>" + shellQuote(scratch.file("err")) +
         " </dev/null";
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = readFile(scratch.file("out"));
  r.err = readFile(scratch.file("err"));
  return r;
}

inline llvm::json::Value parseJson(const std::string &text) {
  llvm::Expected<llvm::json::Value> v = llvm::json::parse(text);
  if (!v) {
    std::string msg = llvm::toString(v.takeError());
    ADD_FAILURE() << "invalid JSON: " << msg << "\n" << text.substr(0, 400);
    return llvm::json::Value(nullptr);
  }
  return std::move(*v);
}

inline const llvm::json::Array &findingsOf(const llvm::json::Value &report) {
  static const llvm::json::Array empty;
  const llvm::json::Object *o = report.getAsObject();
  const llvm::json::Array *a = o ? o->getArray("findings") : nullptr;
  return a ? *a : empty;
}

inline const llvm::json::Array &diagnosticsOf(const llvm::json::Value &report) {
  static const llvm::json::Array empty;
  const llvm::json::Object *o = report.getAsObject();
  const llvm::json::Array *a = o ? o->getArray("diagnostics") : nullptr;
  return a ? *a : empty;
}

inline std::string str(const llvm::json::Object &o, llvm::StringRef key) {
  auto s = o.getString(key);
  return s ? s->str() : std::string();
}

// The message of the first diagnostic whose input contains `needle`.
inline std::string diagnosticFor(const llvm::json::Value &report, const std::string &needle) {
  for (const llvm::json::Value &v : diagnosticsOf(report)) {
    const llvm::json::Object &d = *v.getAsObject();
    if (str(d, "input").find(needle) != std::string::npos)
      return str(d, "message");
  }
  return {};
}

} // namespace tlsfloor::test
