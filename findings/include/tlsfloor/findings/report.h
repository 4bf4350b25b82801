// Reporters: one findings model, several renderings. All output is
// deterministic: the same ScanReport gives byte-identical text.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tlsfloor/findings/model.h"

namespace llvm {
class raw_ostream;
}

namespace tlsfloor {

struct ReportContext {
  const std::vector<RuleInfo> *rules = nullptr;
  std::string toolName = "tlsfloor";
  std::string toolVersion;
  // Absolute directory relative paths are resolved against (the scan's
  // working directory); becomes %SRCROOT% in SARIF.
  std::string workingDirectory;
  Protocol floor = Protocol::TLS1_2;
  bool color = false; // text only; the CLI sets it only for a terminal
  // CycloneDX: component name -> (purl template, cpe template), "{version}"
  // replaced by the version found.
  std::map<std::string, std::pair<std::string, std::string>> componentIds;
  // Component name -> library | runtime | sdk (the CycloneDX type follows).
  std::map<std::string, std::string> componentKinds;
};

enum class ReportFormat { Text, Json, Sarif, CycloneDx };

void writeText(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os);
void writeJson(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os);
void writeSarif(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os);
// CycloneDX 1.5 JSON: every component found in a binary, with where and how
// it was seen (embeds/links), its identities, and whether it has TLS 1.2.
void writeCycloneDx(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os);
void writeReport(ReportFormat format, const ScanReport &report, const ReportContext &ctx,
                 llvm::raw_ostream &os);

// Text as a terminal or a log may show it: control characters (newlines,
// ESC, DEL, C1) become visible escapes (\n, \x1b), so no input can forge a
// report line or drive the terminal.
std::string escapeControl(const std::string &text);

// Percent-encodes a path for a URI reference (RFC 3986), keeping '/'.
std::string uriEncodePath(const std::string &path);

} // namespace tlsfloor
