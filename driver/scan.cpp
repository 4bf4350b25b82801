#include "tlsfloor/driver/scan.h"

#include <set>
#include <thread>

#include "compile_db.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "tlsfloor/analyzer/analyzer.h"
#include "tlsfloor/binscan/binscan.h"
#include "workers.h"

namespace tlsfloor::driver {

namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

InputKind classify(const std::string &file, llvm::StringRef head,
                   const binscan::NamedFiles *named) {
  if (analyzer::isCSourcePath(file) || analyzer::isCxxSourcePath(file) ||
      analyzer::isHeaderPath(file))
    return InputKind::Source;
  if (analyzer::isKconfigPath(file) && head.find('\0') == llvm::StringRef::npos)
    return InputKind::Config;
  if (binscan::looksLikeObjectFile(head))
    return InputKind::Binary;
  if (head.find('\0') != llvm::StringRef::npos)
    return InputKind::Binary; // raw blob: firmware image, data file...
  if (named && named->matches(file))
    return InputKind::Binary; // a component's own file: a JDK's `release`...
  return InputKind::Skip;
}

namespace {

std::string absolute(const std::string &p) {
  llvm::SmallString<256> abs(p);
  fs::make_absolute(abs);
  path::remove_dots(abs, true);
  return std::string(abs);
}

struct Job {
  InputKind kind;
  std::string display;  // reported path
  std::string absolute; // opened path
  uint64_t size = 0;
};

class Collector {
public:
  Collector(std::string cwd, ScanReport &report, const binscan::NamedFiles *named)
      : cwd_(std::move(cwd)), report_(report), named_(named) {}

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
    std::string abs = absolute(p);
    llvm::StringRef rel(abs);
    if (rel.consume_front(cwd_) && (rel.empty() || rel.front() == '/')) {
      rel.consume_front("/");
      return rel.empty() ? "." : rel.str();
    }
    return abs;
  }

  static bool hiddenName(llvm::StringRef name) {
    return name.size() > 1 && name.front() == '.' && name != "..";
  }

  // Depth-first, one directory at a time, so that every directory that
  // cannot be opened or read is reported (LLVM's recursive iterator drops
  // such errors), with no recursion however deep the tree.
  void walk(const std::string &root) {
    std::vector<std::string> pending{root};
    while (!pending.empty()) {
      std::string dir = std::move(pending.back());
      pending.pop_back();
      std::error_code ec;
      std::vector<std::string> subdirs;
      fs::directory_iterator it(dir, ec, /*follow_symlinks=*/false), end;
      if (ec) {
        incomplete(dir, "cannot read directory: " + ec.message());
        continue;
      }
      for (; it != end; it.increment(ec)) {
        if (ec)
          break;
        const std::string &entry = it->path();
        if (hiddenName(path::filename(entry)))
          continue;
        fs::file_status st;
        if (std::error_code sec = fs::status(entry, st, /*follow=*/false)) {
          incomplete(entry, "cannot access: " + sec.message());
          continue;
        }
        if (fs::is_directory(st))
          subdirs.push_back(entry);
        else
          addFile(entry, st, /*explicitlyNamed=*/false);
      }
      if (ec)
        incomplete(dir, "cannot read directory: " + ec.message());
      // Reverse, so the stack visits them in directory order.
      pending.insert(pending.end(), subdirs.rbegin(), subdirs.rend());
    }
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
    bool source = analyzer::isCSourcePath(file) || analyzer::isCxxSourcePath(file) ||
                  analyzer::isHeaderPath(file);
    std::string head;
    if (std::error_code ec = readHead(file, head, source ? 1 : 4096)) {
      incomplete(file, "cannot read: " + ec.message());
      return;
    }
    InputKind kind = classify(file, source ? llvm::StringRef() : llvm::StringRef(head), named_);
    if (kind == InputKind::Skip) {
      ++report_.stats.skippedFiles;
      return;
    }
    jobs.push_back({kind, display(file), absolute(file), st.getSize()});
  }

  // Reads up to `limit` bytes from the start of `file` into `head`.
  static std::error_code readHead(const std::string &file, std::string &head, size_t limit) {
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
  const binscan::NamedFiles *named_;
};

// Loads the compile database: the one named by -p (an error if unusable), or
// one found in ., build/ or out/ (ignored with a note if unusable).
bool loadDatabase(const ScanOptions &options, const std::string &cwd,
                  const std::vector<std::string> &roots, CompileDb &db, ScanReport &report,
                  std::string &configError) {
  std::string dbDir = options.compileCommandsDir;
  if (!dbDir.empty())
    return loadCompileDb(dbDir, roots, db, configError);
  if (!options.autodetectCompileDb)
    return true;
  for (const char *candidate : {".", "build", "out"}) {
    llvm::SmallString<256> file(cwd);
    path::append(file, candidate, "compile_commands.json");
    fs::file_status st;
    if (!fs::status(file, st, /*follow=*/false) && st.type() != fs::file_type::file_not_found) {
      dbDir = candidate;
      break;
    }
  }
  if (dbDir.empty())
    return true;
  std::string name = dbDir == "." ? "compile_commands.json" : dbDir + "/compile_commands.json";
  std::string autoError;
  if (loadCompileDb(dbDir, roots, db, autoError))
    report.diagnostics.push_back({Diagnostic::Kind::Info, name,
                                  "using this compile database (found automatically; -p "
                                  "chooses another)"});
  else
    report.diagnostics.push_back({Diagnostic::Kind::Info, name, autoError + "; ignored"});
  return true;
}

llvm::json::Object workerInit(const ScanOptions &options, const std::string &cwd) {
  llvm::json::Array packs;
  for (const auto &[name, text] : options.packs)
    packs.push_back(llvm::json::Object{{"name", name}, {"text", text}});
  return llvm::json::Object{{"floor", std::string(protocolName(options.floor))},
                            {"memory", static_cast<int64_t>(options.memoryMiB << 20)},
                            {"noSystemHeaders", options.noSystemHeaders},
                            {"projectRoot", cwd},
                            {"packs", std::move(packs)}};
}

} // namespace

ScanReport runScan(const ScanOptions &options, std::string &configError) {
  ScanReport report;
  llvm::SmallString<256> cwdBuf;
  if (std::error_code ec = fs::current_path(cwdBuf)) {
    configError = "cannot determine the working directory: " + ec.message();
    return report;
  }
  std::string cwd(cwdBuf);
  // What -include and @file in a compile database may name: the project.
  std::vector<std::string> roots{cwd};
  for (const std::string &p : options.paths)
    roots.push_back(absolute(p));

  CompileDb db;
  if (!loadDatabase(options, cwd, roots, db, report, configError))
    return report;
  removeArguments(db, options.removeArgs);
  for (const std::string &note : queryDrivers(db, options.queryDrivers))
    report.diagnostics.push_back({Diagnostic::Kind::Info, "--query-driver", note});

  // The packs (built-in and the user's) say which text files are a
  // component's own (a JDK's `release`): the walk keeps those too.
  patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  for (const auto &[name, text] : options.packs) {
    std::string ignored; // validated by the caller before the scan
    kb.addPack(text, name, ignored);
  }
  binscan::NamedFiles named(kb);
  Collector collector(cwd, report, &named);
  if (options.paths.empty())
    collector.addPath(".");
  for (const std::string &p : options.paths)
    collector.addPath(p);
  std::vector<Job> &jobs = collector.jobs;

  if (!options.outputPath.empty()) {
    for (const Job &job : jobs) {
      bool same = false;
      if (!fs::equivalent(job.absolute, options.outputPath, same) && same) {
        configError = "refusing to write the report onto an input: " + options.outputPath;
        return ScanReport();
      }
    }
  }

  std::vector<WorkItem> items;
  std::set<std::string> dropped;
  for (const Job &job : jobs) {
    WorkItem item;
    item.kind = job.kind == InputKind::Source   ? WorkItem::Kind::Source
                : job.kind == InputKind::Config ? WorkItem::Kind::Config
                                                : WorkItem::Kind::Binary;
    item.display = job.display;
    item.path = job.absolute;
    item.size = job.size;
    if (job.kind == InputKind::Source) {
      auto it = db.find(job.absolute);
      if (it != db.end()) {
        item.command = it->second.command;
        item.directory = it->second.directory;
        dropped.insert(it->second.dropped.begin(), it->second.dropped.end());
      }
    }
    items.push_back(std::move(item));
  }
  if (options.verbose && !dropped.empty()) {
    std::string list;
    for (const std::string &d : dropped)
      list += (list.empty() ? "" : ", ") + d;
    report.diagnostics.push_back(
        {Diagnostic::Kind::Info, "compile database",
         "arguments dropped (they do not shape parsing, or could write, read outside the "
         "project, load code or print): " + list});
  }

  PoolOptions pool;
  pool.executable = options.executable;
  pool.workers = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  pool.timeoutSeconds = options.timeoutSeconds;
  pool.memoryBytes = options.memoryMiB << 20;
  pool.init = workerInit(options, cwd);
  std::vector<WorkResult> results = runInWorkers(items, pool);
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].kind != InputKind::Binary)
      ++report.stats.sourceFiles;
    else
      ++report.stats.binaryFiles;
    for (Finding &f : results[i].findings)
      report.findings.push_back(std::move(f));
    for (Diagnostic &d : results[i].diagnostics)
      report.diagnostics.push_back(std::move(d));
    report.stats.suppressedFindings += results[i].suppressed;
    for (std::string &u : results[i].unresolved)
      report.unresolved.push_back(std::move(u));
  }
  report.finalize();
  return report;
}

} // namespace tlsfloor::driver
