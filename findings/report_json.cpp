#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"
#include "tlsfloor/findings/report.h"

namespace tlsfloor {

void writeJson(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os) {
  llvm::json::OStream j(os, 2);
  auto optionalString = [&](llvm::StringRef key, const std::string &value) {
    if (!value.empty())
      j.attribute(key, value);
  };
  j.object([&] {
    j.attributeObject("tool", [&] {
      j.attribute("name", ctx.toolName);
      j.attribute("version", ctx.toolVersion);
    });
    j.attribute("floor", std::string(protocolName(ctx.floor)));
    j.attribute("incomplete", report.incomplete());
    j.attributeArray("findings", [&] {
      for (const Finding &f : report.findings) {
        j.object([&] {
          j.attribute("ruleId", f.ruleId);
          j.attribute("severity", severityName(f.severity));
          j.attribute("message", f.message);
          j.attributeObject("location", [&] {
            j.attribute("path", f.location.displayPath());
            j.attributeArray("chain", [&] {
              for (const std::string &c : f.location.chain)
                j.value(c);
            });
            if (f.location.line)
              j.attribute("line", static_cast<int64_t>(f.location.line));
            if (f.location.column)
              j.attribute("column", static_cast<int64_t>(f.location.column));
            if (f.location.offset)
              j.attribute("offset", static_cast<int64_t>(*f.location.offset));
            optionalString("record", f.location.record);
          });
          optionalString("evidence", f.evidence);
          optionalString("value", f.value);
          optionalString("component", f.component);
          optionalString("version", f.version);
          optionalString("fix", f.fixHint);
          optionalString("confidence", f.confidence);
          j.attribute("fingerprint", f.fingerprint);
        });
      }
    });
    j.attributeArray("diagnostics", [&] {
      for (const Diagnostic &d : report.diagnostics) {
        j.object([&] {
          j.attribute("input", d.input);
          j.attribute("kind", d.kind == Diagnostic::Kind::Incomplete ? "incomplete" : "info");
          j.attribute("message", d.message);
        });
      }
    });
    j.attributeArray("unresolvedSinks", [&] {
      for (const std::string &u : report.unresolved)
        j.value(u);
    });
    j.attributeObject("stats", [&] {
      j.attribute("sourceFiles", static_cast<int64_t>(report.stats.sourceFiles));
      j.attribute("binaryFiles", static_cast<int64_t>(report.stats.binaryFiles));
      j.attribute("skippedFiles", static_cast<int64_t>(report.stats.skippedFiles));
      j.attribute("suppressedFindings", static_cast<int64_t>(report.stats.suppressedFindings));
      j.attribute("baselineFindings", static_cast<int64_t>(report.stats.baselineFindings));
    });
  });
  os << '\n';
}

} // namespace tlsfloor
