// tlsfloor: the thin command line over driver/ and findings/.
// Exit codes (README): 0 clean, 1 findings at or above --fail-on,
// 2 usage/configuration/internal error, 3 scan incomplete.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "tlsfloor/driver/scan.h"
#include "tlsfloor/findings/baseline.h"
#include "tlsfloor/findings/report.h"
#include "tlsfloor/patterns/knowledge.h"

using namespace tlsfloor;

namespace {

enum Exit { kClean = 0, kFindings = 1, kUsage = 2, kIncomplete = 3 };

constexpr uint64_t kMaxPackBytes = 16u << 20;

int fail(const std::string &message) {
  llvm::errs() << "tlsfloor: error: " << message << '\n';
  return kUsage;
}

bool loadPacks(patterns::KnowledgeBase &kb, const std::vector<std::string> &files,
               std::vector<std::pair<std::string, std::string>> &texts, std::string &error) {
  for (const std::string &f : files) {
    llvm::sys::fs::file_status st;
    if (std::error_code ec = llvm::sys::fs::status(f, st)) {
      error = "cannot read rule pack " + f + ": " + ec.message();
      return false;
    }
    if (!llvm::sys::fs::is_regular_file(st) || st.getSize() > kMaxPackBytes) {
      error = "cannot read rule pack " + f + ": not a regular file of at most " +
              std::to_string(kMaxPackBytes >> 20) + " MiB";
      return false;
    }
    auto buf = llvm::MemoryBuffer::getFile(f, /*IsText=*/true);
    if (!buf) {
      error = "cannot read rule pack " + f + ": " + buf.getError().message();
      return false;
    }
    std::string text = (*buf)->getBuffer().str();
    if (!kb.addPack(text, f, error))
      return false;
    texts.emplace_back(f, std::move(text));
  }
  return kb.validate(error);
}

// Writes `text` to `output` without ever leaving a partial report behind: a
// temporary file beside it, renamed over it only once complete. Refuses to
// write through a symbolic link.
std::string writeAtomically(const std::string &output, const std::string &text) {
  llvm::sys::fs::file_status st;
  if (!llvm::sys::fs::status(output, st, /*follow=*/false)) {
    if (llvm::sys::fs::is_symlink_file(st))
      return "refusing to write the report through a symbolic link: " + output;
    if (st.type() == llvm::sys::fs::file_type::character_file ||
        st.type() == llvm::sys::fs::file_type::fifo_file) {
      // /dev/null, /dev/stdout, a pipe: written directly (renaming over a
      // device would replace it). A repository cannot carry one of these.
      std::error_code ec;
      llvm::raw_fd_ostream out(output, ec, llvm::sys::fs::OF_None);
      if (ec)
        return "cannot write " + output + ": " + ec.message();
      out << text;
      out.close();
      if (out.has_error()) {
        std::string msg = out.error().message();
        out.clear_error();
        return "cannot write " + output + ": " + msg;
      }
      return {};
    }
    if (!llvm::sys::fs::is_regular_file(st))
      return "refusing to write the report onto something that is not a regular file: " + output;
  }
  llvm::SmallString<256> model(llvm::sys::path::parent_path(output));
  if (model.empty())
    model = ".";
  llvm::sys::path::append(model, ".tlsfloor-report-%%%%%%.tmp");
  int fd = -1;
  llvm::SmallString<256> temp;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temp))
    return "cannot write " + output + ": " + ec.message();
  {
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << text;
    out.close();
    if (out.has_error()) {
      std::string msg = out.error().message();
      out.clear_error();
      llvm::sys::fs::remove(temp);
      return "cannot write " + output + ": " + msg + " (the previous report is untouched)";
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, output)) {
    llvm::sys::fs::remove(temp);
    return "cannot write " + output + ": " + ec.message();
  }
  return {};
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 2 && std::strcmp(argv[1], "__worker") == 0)
    return driver::workerMain(); // started by the driver; not a user command
  // A file-size limit or a full disk is an error we report, not a signal.
  signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"tlsfloor: find code and binaries that break or are unsafe with a TLS 1.2 floor"};
  app.set_version_flag("--version", std::string("tlsfloor ") + TLSFLOOR_VERSION);
  app.require_subcommand(1);

  std::vector<std::string> paths;
  std::string compileDir, format = "text", output, minTls = "1.2", failOn = "warning";
  std::vector<std::string> packs, removeArgs, queryDrivers;
  std::string baseline;
  unsigned jobs = 0, timeout = 120;
  uint64_t memoryMiB = 4096;
  bool verbose = false, noSystemHeaders = false;
  auto *scan = app.add_subcommand("scan", "Scan sources, compile databases and binaries");
  scan->add_option("paths", paths, "Files or directories (default: .)");
  scan->add_option("-p,--compile-commands", compileDir,
                   "Directory containing compile_commands.json");
  scan->add_option("--format", format, "Report format")
      ->check(CLI::IsMember({"text", "json", "sarif", "cyclonedx"}))
      ->capture_default_str();
  scan->add_option("-o,--output", output, "Write the report to FILE instead of stdout");
  scan->add_option("--min-tls", minTls, "The protocol floor: source rules compare values with it; component rules use it to choose between first-TLS-1.2 and first-TLS-1.3 facts")
      ->check(CLI::IsMember({"1.0", "1.1", "1.2", "1.3"}))
      ->capture_default_str();
  scan->add_option("--fail-on", failOn, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->capture_default_str();
  scan->add_option("--rules", packs, "Add a rule pack (YAML, schema in docs/rules.md); repeatable")
      ->allow_extra_args(false);
  scan->add_option("-j,--jobs", jobs, "Parallel jobs (default: one per core)");
  scan->add_option("--timeout", timeout,
                   "Time budget per input in seconds, plus 1 s per 8 MiB of a binary or bundle (0 = none)")
      ->capture_default_str();
  scan->add_option("--memory-limit", memoryMiB, "Memory budget per input in MiB (0 = none)")
      ->capture_default_str();
  scan->add_flag("-v,--verbose", verbose, "Also report which compile flags were dropped");
  scan->add_option("--remove-arg", removeArgs,
                   "Drop this compile-database argument too (a trailing * matches a prefix); "
                   "repeatable")
      ->allow_extra_args(false);
  scan->add_option("--baseline", baseline,
                   "A previous JSON or SARIF report of tlsfloor: its findings (by fingerprint) are "
                   "accepted and not reported again, so CI fails only on new ones");
  scan->add_option("--query-driver", queryDrivers,
                   "Run compilers matching this glob (e.g. '/opt/*/bin/*-gcc') to ask for their "
                   "include directories and target; repeatable. Opt-in: this executes them")
      ->allow_extra_args(false);
  scan->add_flag("--no-system-headers", noSystemHeaders,
                 "Parse files without a compile command with no system include directories "
                 "(as on a machine without the libraries' SDKs: built-in declarations only)");

  auto *rules = app.add_subcommand("rules", "List every rule with its id, severity and summary");
  rules->add_option("--rules", packs, "Add a rule pack (YAML); repeatable")->allow_extra_args(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success &e) {
    return app.exit(e); // --help, --version
  } catch (const CLI::ParseError &e) {
    app.exit(e);
    return kUsage;
  }

  patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  std::string error;
  std::vector<std::pair<std::string, std::string>> packTexts;
  if (!loadPacks(kb, packs, packTexts, error))
    return fail(error);

  std::string text;
  llvm::raw_string_ostream os(text);
  if (*rules) {
    for (const RuleInfo &r : kb.rules())
      os << llvm::left_justify(r.id, 34) << ' ' << llvm::left_justify(severityName(r.severity), 8)
         << ' ' << r.summary << '\n';
  }

  ScanReport report;
  ReportFormat fmt = format == "json"        ? ReportFormat::Json
                     : format == "sarif"     ? ReportFormat::Sarif
                     : format == "cyclonedx" ? ReportFormat::CycloneDx
                                             : ReportFormat::Text;
  if (*scan) {
    driver::ScanOptions options;
    options.paths = paths;
    options.compileCommandsDir = compileDir;
    options.floor = *parseProtocol(minTls);
    options.jobs = jobs;
    options.executable = llvm::sys::fs::getMainExecutable(argv[0], (void *)&fail);
    options.timeoutSeconds = timeout;
    options.memoryMiB = memoryMiB;
    options.packs = std::move(packTexts);
    options.outputPath = output;
    options.verbose = verbose;
    options.noSystemHeaders = noSystemHeaders;
    options.removeArgs = removeArgs;
    options.queryDrivers = queryDrivers;
    std::set<std::string> accepted;
    if (!baseline.empty()) {
      std::string problem = loadBaseline(baseline, accepted);
      if (!problem.empty())
        return fail(problem);
    }
    report = driver::runScan(options, error);
    if (!error.empty())
      return fail(error);
    if (!baseline.empty())
      applyBaseline(report, accepted);

    ReportContext ctx;
    ctx.rules = &kb.rules();
    ctx.toolVersion = TLSFLOOR_VERSION;
    ctx.floor = options.floor;
    for (const patterns::Component &c : kb.components()) {
      ctx.componentIds[c.name] = {c.purl, c.cpe};
      ctx.componentKinds[c.name] = c.kind;
    }
    llvm::SmallString<256> cwd;
    if (!llvm::sys::fs::current_path(cwd))
      ctx.workingDirectory = std::string(cwd);
    ctx.color = output.empty() && fmt == ReportFormat::Text &&
                llvm::sys::Process::StandardOutIsDisplayed() && !std::getenv("NO_COLOR");
    writeReport(fmt, report, ctx, os);
  }
  os.flush();

  if (!output.empty() && *scan) {
    std::string problem = writeAtomically(output, text);
    if (!problem.empty())
      return fail(problem);
  } else {
    llvm::outs() << text;
    llvm::outs().flush();
    if (llvm::outs().has_error()) {
      std::string msg = llvm::outs().error().message();
      llvm::outs().clear_error();
      return fail("cannot write the report to standard output: " + msg);
    }
  }
  if (*rules)
    return kClean;

  // When the report is machine-readable or goes to a file, still tell the
  // person at the terminal which inputs were not fully scanned.
  if (fmt != ReportFormat::Text || !output.empty())
    for (const Diagnostic &d : report.diagnostics)
      if (d.kind == Diagnostic::Kind::Incomplete)
        llvm::errs() << "tlsfloor: scan-error: " << escapeControl(d.input) << ": "
                     << escapeControl(d.message) << '\n';

  if (report.incomplete())
    return kIncomplete;
  if (failOn != "never") {
    Severity threshold = *parseSeverity(failOn);
    for (const Finding &f : report.findings)
      if (f.severity >= threshold)
        return kFindings;
  }
  return kClean;
}
