#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include "tlsfloor/findings/report.h"

namespace tlsfloor {

namespace {
const char *colorFor(Severity s) {
  switch (s) {
  case Severity::Error:
    return "\x1b[1;31m";
  case Severity::Warning:
    return "\x1b[1;35m";
  case Severity::Note:
    return "\x1b[1;36m";
  }
  return "";
}

void writeLocation(const Location &loc, llvm::raw_ostream &os) {
  os << loc.displayPath();
  if (loc.line) {
    os << ':' << loc.line;
    if (loc.column)
      os << ':' << loc.column;
  } else if (loc.offset) {
    os << ":@" << llvm::format_hex(*loc.offset, 2);
  }
  os << ':';
}
} // namespace

void writeText(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os) {
  const char *bold = ctx.color ? "\x1b[1m" : "";
  const char *reset = ctx.color ? "\x1b[0m" : "";
  unsigned counts[3] = {0, 0, 0};
  for (const Finding &f : report.findings) {
    ++counts[static_cast<int>(f.severity)];
    os << bold;
    writeLocation(f.location, os);
    os << reset << ' ' << (ctx.color ? colorFor(f.severity) : "") << severityName(f.severity)
       << ':' << reset << ' ' << bold << f.message << reset << " [" << f.ruleId << "]\n";
    if (!f.evidence.empty()) {
      os << "    evidence: " << f.evidence;
      if (!f.value.empty())
        os << (f.location.isSource() ? " = " : " (") << f.value
           << (f.location.isSource() ? "" : ")");
      os << '\n';
    }
    if (!f.fixHint.empty())
      os << "    fix: " << f.fixHint << '\n';
  }
  for (const Diagnostic &d : report.diagnostics) {
    os << bold << d.input << ':' << reset << ' '
       << (d.kind == Diagnostic::Kind::Incomplete ? "scan-error" : "info") << ": " << d.message
       << '\n';
  }
  unsigned incomplete = 0;
  for (const Diagnostic &d : report.diagnostics)
    incomplete += d.kind == Diagnostic::Kind::Incomplete;
  os << "tlsfloor: " << report.findings.size() << " finding"
     << (report.findings.size() == 1 ? "" : "s") << " (" << counts[2] << " error, " << counts[1]
     << " warning, " << counts[0] << " note) in " << report.stats.sourceFiles << " source and "
     << report.stats.binaryFiles << " binary file(s); floor " << protocolName(ctx.floor);
  if (incomplete)
    os << "; " << incomplete << " input(s) could not be fully scanned";
  os << '\n';
}

void writeReport(ReportFormat format, const ScanReport &report, const ReportContext &ctx,
                 llvm::raw_ostream &os) {
  switch (format) {
  case ReportFormat::Text:
    return writeText(report, ctx, os);
  case ReportFormat::Json:
    return writeJson(report, ctx, os);
  case ReportFormat::Sarif:
    return writeSarif(report, ctx, os);
  }
}

} // namespace tlsfloor
