// The worker side of driver/workers.h: one process, many inputs, one at a
// time, each under the memory budget; results go back as JSON lines.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ext/stdio_filebuf.h>
#include <iostream>
#include <new>
#include <utility>

#include <utility>

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/thread.h"
#include "sandbox.h"
#include "tlsfloor/analyzer/analyzer.h"
#include "tlsfloor/binscan/binscan.h"
#include "tlsfloor/driver/scan.h"
#include "tlsfloor/findings/transport.h"
#include "workers.h"

namespace tlsfloor::driver {

namespace {

// Deep expressions recurse deeply in libclang and in the visitor; the stack
// is committed lazily, so the size costs address space, not memory.
constexpr unsigned kWorkerStack = 256u << 20;

std::istream *jobInput = nullptr;

[[noreturn]] void outOfMemory() { _exit(kWorkerOutOfMemory); }
void llvmOutOfMemory(void *, const char *, bool) { outOfMemory(); }

std::string stringAt(const llvm::json::Object &o, llvm::StringRef key) {
  auto s = o.getString(key);
  return s ? s->str() : std::string();
}

struct Engines {
  patterns::KnowledgeBase kb;
  Protocol floor = Protocol::TLS1_2;
  uint64_t memoryBytes = 0;
  bool noSystemHeaders = false;
  std::string projectRoot;
};

// Reads the init line; false when it is not one.
bool readInit(Engines &e) {
  std::string line;
  if (!std::getline(*jobInput, line))
    return false;
  llvm::Expected<llvm::json::Value> v = llvm::json::parse(line);
  if (!v) {
    llvm::consumeError(v.takeError());
    return false;
  }
  const llvm::json::Object *o = v->getAsObject();
  if (!o)
    return false;
  e.kb = patterns::KnowledgeBase::builtin();
  if (const llvm::json::Array *packs = o->getArray("packs"))
    for (const llvm::json::Value &p : *packs) {
      const llvm::json::Object *po = p.getAsObject();
      std::string error;
      if (!po || !e.kb.addPack(stringAt(*po, "text"), stringAt(*po, "name"), error))
        return false; // the parent validated them: cannot happen
    }
  std::string error;
  if (!e.kb.validate(error))
    return false;
  auto floor = parseProtocol(stringAt(*o, "floor"));
  if (!floor)
    return false;
  e.floor = *floor;
  e.memoryBytes = static_cast<uint64_t>(o->getInteger("memory").value_or(0));
  e.noSystemHeaders = o->getBoolean("noSystemHeaders").value_or(false);
  e.projectRoot = stringAt(*o, "projectRoot");
  return true;
}

WorkResult runJob(const llvm::json::Object &job, const analyzer::Analyzer &analyzer,
                  const binscan::BinaryScanner &scanner) {
  WorkResult out;
  std::string display = stringAt(job, "display"), path = stringAt(job, "path");
  if (stringAt(job, "kind") == "source") {
    analyzer::SourceJob sj;
    sj.displayPath = display;
    sj.absolutePath = path;
    sj.workingDirectory = stringAt(job, "directory");
    if (const llvm::json::Array *cmd = job.getArray("command"))
      for (const llvm::json::Value &a : *cmd)
        if (auto s = a.getAsString())
          sj.command.push_back(s->str());
    analyzer::AnalysisResult r = analyzer.analyze(sj);
    out.findings = std::move(r.findings);
    out.diagnostics = std::move(r.diagnostics);
    out.unresolved = std::move(r.unresolved);
    out.suppressed = r.suppressed;
  } else if (stringAt(job, "kind") == "config") {
    analyzer::AnalysisResult r = analyzer.analyzeConfig({display, path, {}, {}});
    out.findings = std::move(r.findings);
    out.diagnostics = std::move(r.diagnostics);
  } else {
    binscan::BinaryResult r = scanner.scanFile({display}, path);
    out.findings = std::move(r.findings);
    out.diagnostics = std::move(r.diagnostics);
  }
  return out;
}

void loop(const Engines &e, int results) {
  analyzer::Analyzer analyzer(e.kb,
                              analyzer::AnalyzerOptions{e.floor, e.noSystemHeaders, e.projectRoot});
  binscan::BinaryScanner scanner(e.kb, binscan::BinscanOptions{e.floor});
  std::string line;
  while (std::getline(*jobInput, line)) {
    llvm::Expected<llvm::json::Value> v = llvm::json::parse(line);
    if (!v) {
      llvm::consumeError(v.takeError());
      return;
    }
    const llvm::json::Object *job = v->getAsObject();
    if (!job)
      return;
    uint64_t size = static_cast<uint64_t>(job->getInteger("size").value_or(0));
    limitAddressSpace(e.memoryBytes ? e.memoryBytes + size : 0);
    WorkResult r = runJob(*job, analyzer, scanner);
    limitAddressSpace(0);
    llvm::json::Array findings, diagnostics, unresolved;
    for (const std::string &u : r.unresolved)
      unresolved.push_back(transport::utf8(u));
    for (const Finding &f : r.findings)
      findings.push_back(transport::encode(f));
    for (const Diagnostic &d : r.diagnostics)
      diagnostics.push_back(transport::encode(d));
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(llvm::json::Object{{"findings", std::move(findings)},
                                               {"diagnostics", std::move(diagnostics)},
                                               {"unresolved", std::move(unresolved)},
                                               {"suppressed", static_cast<int64_t>(r.suppressed)}})
       << '\n';
    os.flush();
    for (size_t done = 0; done < text.size();) {
      ssize_t n = write(results, text.data() + done, text.size() - done);
      if (n <= 0)
        _exit(1);
      done += static_cast<size_t>(n);
    }
  }
}

} // namespace

int workerMain() {
  // Results travel on a private copy of stdout; whatever libclang or a
  // compiler flag prints goes to /dev/null and can never corrupt them.
  // Jobs arrive on a private copy of stdin too: `#include "/dev/stdin"` in a
  // scanned file must read nothing, not the job queue.
  int results = fcntl(1, F_DUPFD_CLOEXEC, 3);
  int jobs = fcntl(0, F_DUPFD_CLOEXEC, 3);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (results < 0 || jobs < 0 || devnull < 0)
    return 1;
  dup2(devnull, 0);
  dup2(devnull, 1);
  dup2(devnull, 2);
  close(devnull);
  __gnu_cxx::stdio_filebuf<char> jobBuf(jobs, std::ios::in);
  std::istream jobStream(&jobBuf);
  jobInput = &jobStream;
  // libclang parses on the calling thread (our big-stack one), not its own.
  setenv("LIBCLANG_NOTHREADS", "1", 1);
  std::set_new_handler(outOfMemory);
  llvm::install_bad_alloc_error_handler(llvmOutOfMemory);

  Engines engines;
  if (!readInit(engines))
    return 1;
  enterSandbox(); // before the first input is opened
  llvm::thread worker(std::optional<unsigned>(kWorkerStack), [&] { loop(engines, results); });
  worker.join();
  return 0;
}

} // namespace tlsfloor::driver
