#include "tlsfloor/driver/scan.h"

#include <memory>
#include <mutex>

#include "compile_db.h"
#include "isolation.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "tlsfloor/analyzer/analyzer.h"
#include "tlsfloor/binscan/binscan.h"

namespace tlsfloor::driver {

namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

InputKind classify(const std::string &file, llvm::StringRef head) {
  if (analyzer::isCSourcePath(file) || analyzer::isCxxSourcePath(file))
    return InputKind::Source;
  if (binscan::looksLikeObjectFile(head))
    return InputKind::Binary;
  if (head.find('\0') != llvm::StringRef::npos)
    return InputKind::Binary; // raw blob: firmware image, data file...
  return InputKind::Skip;
}

namespace {

struct Job {
  InputKind kind;
  std::string display;  // reported path
  std::string absolute; // opened path
};

class Collector {
public:
  Collector(std::string cwd, ScanReport &report) : cwd_(std::move(cwd)), report_(report) {}

  void addPath(const std::string &given) {
    fs::file_status st;
    if (std::error_code ec = fs::status(given, st, /*follow=*/true)) {
      incomplete(given, "cannot access: " + ec.message());
      return;
    }
    if (fs::is_directory(st)) {
      walk(given);
      return;
    }
    addFile(given, st, /*explicitlyNamed=*/true);
  }

  std::vector<Job> jobs;

private:
  void incomplete(const std::string &input, const std::string &message) {
    report_.diagnostics.push_back({Diagnostic::Kind::Incomplete, display(input), message});
  }

  // Paths are reported relative to the working directory when under it
  // (what SARIF consumers want), as given otherwise.
  std::string display(const std::string &p) const {
    llvm::SmallString<256> abs(p);
    fs::make_absolute(abs);
    path::remove_dots(abs, true);
    llvm::StringRef rel(abs);
    if (rel.consume_front(cwd_) && (rel.empty() || rel.front() == '/')) {
      rel.consume_front("/");
      return rel.empty() ? "." : rel.str();
    }
    return std::string(abs);
  }

  static bool hiddenName(llvm::StringRef name) {
    return name.size() > 1 && name.front() == '.' && name != "..";
  }

  void walk(const std::string &dir) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec, /*follow_symlinks=*/false), end;
         it != end; it.increment(ec)) {
      if (ec) {
        incomplete(it->path(), "cannot read directory: " + ec.message());
        ec.clear();
        continue;
      }
      llvm::StringRef name = path::filename(it->path());
      if (hiddenName(name)) {
        if (it->type() == fs::file_type::directory_file)
          it.no_push();
        continue;
      }
      if (it->type() == fs::file_type::directory_file)
        continue;
      fs::file_status st;
      if (std::error_code sec = fs::status(it->path(), st, /*follow=*/false)) {
        incomplete(it->path(), "cannot access: " + sec.message());
        continue;
      }
      addFile(it->path(), st, /*explicitlyNamed=*/false);
    }
    if (ec)
      incomplete(dir, "cannot read directory: " + ec.message());
  }

  void addFile(const std::string &file, const fs::file_status &st, bool explicitlyNamed) {
    if (fs::is_symlink_file(st)) {
      ++report_.stats.skippedFiles; // a walk does not follow links
      return;
    }
    if (!fs::is_regular_file(st)) {
      // FIFOs, devices, sockets: reading them could block forever.
      if (explicitlyNamed)
        incomplete(file, "not a regular file; skipped");
      ++report_.stats.skippedFiles;
      return;
    }
    std::string head;
    if (!analyzer::isCSourcePath(file) && !analyzer::isCxxSourcePath(file)) {
      if (std::error_code ec = readHead(file, head)) {
        incomplete(file, "cannot read: " + ec.message());
        return;
      }
    } else if (std::string probe; std::error_code ec = readHead(file, probe, 1)) {
      incomplete(file, "cannot read: " + ec.message());
      return;
    }
    InputKind kind = classify(file, head);
    if (kind == InputKind::Skip) {
      ++report_.stats.skippedFiles;
      return;
    }
    llvm::SmallString<256> abs(file);
    fs::make_absolute(abs);
    path::remove_dots(abs, true);
    jobs.push_back({kind, display(file), std::string(abs)});
  }

  // Reads up to `limit` bytes from the start of `file` into `head`.
  static std::error_code readHead(const std::string &file, std::string &head,
                                  size_t limit = 4096) {
    llvm::Expected<fs::file_t> fd = fs::openNativeFileForRead(file);
    if (!fd)
      return llvm::errorToErrorCode(fd.takeError());
    head.resize(limit);
    llvm::Expected<size_t> n =
        fs::readNativeFile(*fd, llvm::MutableArrayRef<char>(head.data(), head.size()));
    fs::closeFile(*fd);
    if (!n)
      return llvm::errorToErrorCode(n.takeError());
    head.resize(*n);
    return {};
  }

  std::string cwd_;
  ScanReport &report_;
};

} // namespace

ScanReport runScan(const ScanOptions &options, const patterns::KnowledgeBase &kb,
                   std::string &configError) {
  ScanReport report;
  llvm::SmallString<256> cwd;
  if (std::error_code ec = fs::current_path(cwd)) {
    configError = "cannot determine the working directory: " + ec.message();
    return report;
  }
  CompileDb db;
  std::string dbDir = options.compileCommandsDir;
  if (dbDir.empty() && options.autodetectCompileDb) {
    for (const char *candidate : {".", "build", "out"}) {
      llvm::SmallString<256> file(cwd);
      path::append(file, candidate, "compile_commands.json");
      if (fs::exists(file)) {
        dbDir = candidate;
        break;
      }
    }
    if (!dbDir.empty()) {
      std::string autoError;
      if (loadCompileDb(dbDir, db, autoError))
        report.diagnostics.push_back({Diagnostic::Kind::Info,
                                      dbDir == "." ? "compile_commands.json"
                                                   : dbDir + "/compile_commands.json",
                                      "using this compile database (found automatically; -p "
                                      "chooses another)"});
      else
        report.diagnostics.push_back({Diagnostic::Kind::Info, dbDir, autoError + "; ignored"});
    }
  } else if (!dbDir.empty() && !loadCompileDb(dbDir, db, configError)) {
    return report;
  }

  Collector collector(std::string(cwd), report);
  if (options.paths.empty())
    collector.addPath(".");
  for (const std::string &p : options.paths)
    collector.addPath(p);

  analyzer::Analyzer analyzer(kb, analyzer::AnalyzerOptions{options.floor});
  binscan::BinaryScanner scanner(kb, binscan::BinscanOptions{options.floor});

  std::vector<Job> &jobs = collector.jobs;
  std::vector<std::vector<Finding>> findings(jobs.size());
  std::vector<std::vector<Diagnostic>> diagnostics(jobs.size());
  auto runJob = [&](size_t i) {
    const Job &job = jobs[i];
    if (job.kind == InputKind::Source) {
      analyzer::SourceJob sj;
      sj.displayPath = job.display;
      sj.absolutePath = job.absolute;
      auto it = db.find(job.absolute);
      if (it != db.end()) {
        sj.command = it->second.command;
        sj.workingDirectory = it->second.directory;
      }
      analyzer::AnalysisResult r = analyzer.analyze(sj);
      findings[i] = std::move(r.findings);
      diagnostics[i] = std::move(r.diagnostics);
    } else {
      binscan::BinaryResult r = scanner.scanFile({job.display}, job.absolute);
      findings[i] = std::move(r.findings);
      diagnostics[i] = std::move(r.diagnostics);
    }
  };
  auto onCrash = [&](size_t i) {
    findings[i].clear(); // whatever the job produced before it crashed is unreliable
    diagnostics[i] = {{Diagnostic::Kind::Incomplete, jobs[i].display,
                       "the analysis of this input crashed (e.g. nesting too deep to "
                       "recurse); input skipped"}};
  };
  runIsolated(jobs.size(), options.jobs, runJob, onCrash);
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].kind == InputKind::Source)
      ++report.stats.sourceFiles;
    else
      ++report.stats.binaryFiles;
    for (Finding &f : findings[i])
      report.findings.push_back(std::move(f));
    for (Diagnostic &d : diagnostics[i])
      report.diagnostics.push_back(std::move(d));
  }
  report.finalize();
  return report;
}

} // namespace tlsfloor::driver
