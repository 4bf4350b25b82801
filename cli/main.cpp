// tlsfloor: the thin command line over driver/ and findings/.
// Exit codes (README): 0 clean, 1 findings at or above --fail-on,
// 2 usage/configuration/internal error, 3 scan incomplete.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <map>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "tlsfloor/driver/scan.h"
#include "tlsfloor/findings/report.h"
#include "tlsfloor/patterns/knowledge.h"

using namespace tlsfloor;

namespace {

enum Exit { kClean = 0, kFindings = 1, kUsage = 2, kIncomplete = 3 };

int fail(const std::string &message) {
  llvm::errs() << "tlsfloor: error: " << message << '\n';
  return kUsage;
}

bool loadPacks(patterns::KnowledgeBase &kb, const std::vector<std::string> &files,
               std::string &error) {
  for (const std::string &f : files) {
    auto buf = llvm::MemoryBuffer::getFile(f, /*IsText=*/true);
    if (!buf) {
      error = "cannot read rule pack " + f + ": " + buf.getError().message();
      return false;
    }
    if (!kb.addPack((*buf)->getBuffer().str(), f, error))
      return false;
  }
  return kb.validate(error);
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"tlsfloor: find code and binaries that break or are unsafe with a TLS 1.2 floor"};
  app.set_version_flag("--version", std::string("tlsfloor ") + TLSFLOOR_VERSION);
  app.require_subcommand(1);

  std::vector<std::string> paths;
  std::string compileDir, format = "text", output, minTls = "1.2", failOn = "warning";
  std::vector<std::string> packs;
  unsigned jobs = 0;
  auto *scan = app.add_subcommand("scan", "Scan sources, compile databases and binaries");
  scan->add_option("paths", paths, "Files or directories (default: .)");
  scan->add_option("-p,--compile-commands", compileDir,
                   "Directory containing compile_commands.json");
  scan->add_option("--format", format, "Report format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  scan->add_option("-o,--output", output, "Write the report to FILE instead of stdout");
  scan->add_option("--min-tls", minTls, "The protocol floor every rule compares against")
      ->check(CLI::IsMember({"1.0", "1.1", "1.2", "1.3"}))
      ->capture_default_str();
  scan->add_option("--fail-on", failOn, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->capture_default_str();
  scan->add_option("--rules", packs, "Add a rule pack (YAML, schema in docs/rules.md); repeatable")
      ->allow_extra_args(false);
  scan->add_option("-j,--jobs", jobs, "Parallel jobs (default: one per core)");

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
  if (!loadPacks(kb, packs, error))
    return fail(error);

  if (*rules) {
    for (const RuleInfo &r : kb.rules())
      llvm::outs() << llvm::left_justify(r.id, 34) << ' '
                   << llvm::left_justify(severityName(r.severity), 8) << ' ' << r.summary
                   << '\n';
    return kClean;
  }

  driver::ScanOptions options;
  options.paths = paths;
  options.compileCommandsDir = compileDir;
  options.floor = *parseProtocol(minTls);
  options.jobs = jobs;
  ScanReport report = driver::runScan(options, kb, error);
  if (!error.empty())
    return fail(error);

  ReportContext ctx;
  ctx.rules = &kb.rules();
  ctx.toolVersion = TLSFLOOR_VERSION;
  ctx.floor = options.floor;
  llvm::SmallString<256> cwd;
  if (!llvm::sys::fs::current_path(cwd))
    ctx.workingDirectory = std::string(cwd);
  ReportFormat fmt = format == "json"    ? ReportFormat::Json
                     : format == "sarif" ? ReportFormat::Sarif
                                         : ReportFormat::Text;
  if (output.empty()) {
    ctx.color = fmt == ReportFormat::Text && llvm::sys::Process::StandardOutIsDisplayed() &&
                !std::getenv("NO_COLOR");
    writeReport(fmt, report, ctx, llvm::outs());
    llvm::outs().flush();
  } else {
    std::error_code ec;
    llvm::raw_fd_ostream out(output, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot write " + output + ": " + ec.message());
    writeReport(fmt, report, ctx, out);
    out.close();
    if (out.has_error()) {
      out.clear_error();
      return fail("cannot write " + output);
    }
  }

  // When the report is machine-readable or goes to a file, still tell the
  // person at the terminal which inputs were not fully scanned.
  if (fmt != ReportFormat::Text || !output.empty())
    for (const Diagnostic &d : report.diagnostics)
      if (d.kind == Diagnostic::Kind::Incomplete)
        llvm::errs() << "tlsfloor: scan-error: " << d.input << ": " << d.message << '\n';

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
