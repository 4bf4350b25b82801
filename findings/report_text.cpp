#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
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
  os << escapeControl(loc.displayPath());
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

std::string escapeControl(const std::string &raw) {
  // Bytes that are not UTF-8 become U+FFFD first (a lone 0x9B is CSI to
  // some terminals).
  std::string text = llvm::json::isUTF8(raw) ? raw : llvm::json::fixUTF8(raw);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // C1 controls arrive in UTF-8 as 0xC2 0x80..0x9F.
    bool c1 = c == 0xC2 && i + 1 < text.size() &&
              static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c1) {
      out += "\\u00" + llvm::utohexstr(static_cast<unsigned char>(text[++i]), true);
      continue;
    }
    if (c >= 0x20 && c != 0x7F) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    switch (c) {
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      // Always two digits: "\x00" then a literal '0' must not read "\x000".
      out += "\\x";
      out += "0123456789abcdef"[(static_cast<unsigned char>(c) >> 4) & 15];
      out += "0123456789abcdef"[static_cast<unsigned char>(c) & 15];
    }
  }
  return out;
}

void writeText(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os) {
  const char *bold = ctx.color ? "\x1b[1m" : "";
  const char *reset = ctx.color ? "\x1b[0m" : "";
  unsigned counts[3] = {0, 0, 0};
  for (const Finding &f : report.findings) {
    ++counts[static_cast<int>(f.severity)];
    os << bold;
    writeLocation(f.location, os);
    os << reset << ' ' << (ctx.color ? colorFor(f.severity) : "") << severityName(f.severity)
       << ':' << reset << ' ' << bold << escapeControl(f.message) << reset << " [" << f.ruleId << "]\n";
    if (!f.evidence.empty()) {
      os << "    evidence: " << escapeControl(f.evidence);
      if (!f.value.empty())
        os << (f.location.isSource() ? " = " : " (") << escapeControl(f.value)
           << (f.location.isSource() ? "" : ")");
      os << '\n';
    }
    if (!f.fixHint.empty())
      os << "    fix: " << escapeControl(f.fixHint) << '\n';
  }
  for (const Diagnostic &d : report.diagnostics) {
    os << bold << escapeControl(d.input) << ':' << reset << ' '
       << (d.kind == Diagnostic::Kind::Incomplete ? "scan-error" : "info") << ": "
       << escapeControl(d.message)
       << '\n';
  }
  unsigned incomplete = 0;
  for (const Diagnostic &d : report.diagnostics)
    incomplete += d.kind == Diagnostic::Kind::Incomplete;
  os << "tlsfloor: " << report.findings.size() << " finding"
     << (report.findings.size() == 1 ? "" : "s") << " (" << counts[2] << " error, " << counts[1]
     << " warning, " << counts[0] << " note) in " << report.stats.sourceFiles << " source and "
     << report.stats.binaryFiles << " binary file(s); floor " << protocolName(ctx.floor);
  if (report.stats.suppressedFindings)
    os << "; " << report.stats.suppressedFindings << " suppressed";
  if (report.stats.baselineFindings)
    os << "; " << report.stats.baselineFindings << " in the baseline";
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
  case ReportFormat::CycloneDx:
    return writeCycloneDx(report, ctx, os);
  }
}

} // namespace tlsfloor
