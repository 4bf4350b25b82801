// The one findings model both engines produce and every reporter consumes.
// Engines never print: they return Findings and Diagnostics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tlsfloor/findings/protocol.h"

namespace tlsfloor {

enum class Severity { Note = 0, Warning = 1, Error = 2 };

const char *severityName(Severity s); // "note", "warning", "error"
std::optional<Severity> parseSeverity(const std::string &text);

// Where a finding is. One shape covers the three kinds of evidence:
//  - source:  chain = {"src/net.c"}, line/column set;
//  - binary:  chain = {"bundle.tgz", "node.tar.gz", "bin/node"} (outermost
//             first; one element for a plain file), offset set;
//  - record:  chain = {"trail.json"}, record = the record's id.
struct Location {
  std::vector<std::string> chain;
  unsigned line = 0;   // 1-based; 0 = none
  unsigned column = 0; // 1-based; 0 = none
  std::optional<uint64_t> offset;
  std::string record;

  // The innermost path on disk (chain[0]), i.e. the file the user named.
  const std::string &file() const;
  // "bundle.tgz!node.tar.gz!bin/node" or "src/net.c".
  std::string displayPath() const;
  bool isSource() const { return line != 0; }
};

struct Finding {
  std::string ruleId;
  Severity severity = Severity::Warning;
  std::string message;
  Location location;
  // What the engine saw: the spelling in the source (`TLS1_VERSION`) and the
  // value the AST evaluated it to (`0x301 (TLS 1.0)`), or the version text
  // matched in a binary.
  std::string evidence;
  std::string value;
  // Binary findings: the component and its version.
  std::string component;
  std::string version;
  std::string fixHint;
  // "" (the default) when the engine saw everything it needed; otherwise a
  // word such as "medium" and the reason is in the message or evidence.
  std::string confidence;
  // Stable identity: does not change when unrelated lines move.
  std::string fingerprint;
  // Input for the fingerprint (the normalised source line, or the component
  // identity for binaries); not reported.
  std::string fingerprintBasis;
};

// A per-input problem: unreadable file, parse errors, truncated binary...
struct Diagnostic {
  enum class Kind { Incomplete, Info };
  Kind kind = Kind::Incomplete;
  std::string input;
  std::string message;
};

struct ScanStats {
  unsigned sourceFiles = 0;
  unsigned binaryFiles = 0;
  unsigned skippedFiles = 0;
  unsigned suppressedFindings = 0; // silenced by tlsfloor-ignore comments
  unsigned baselineFindings = 0;   // accepted by --baseline (found before)
};

struct ScanReport {
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  // Sinks seen whose value could not be determined ("path:line: api"): not
  // findings, but they tell "clean" apart from "not understood".
  std::vector<std::string> unresolved;
  ScanStats stats;

  bool incomplete() const;
  // Sorts findings and diagnostics into a deterministic order and computes
  // fingerprints (with occurrence indices for identical bases).
  void finalize();
};

// Rule metadata as the reporters need it (loaded from patterns/).
struct RuleInfo {
  std::string id;
  std::string name; // CamelCase, for SARIF
  Severity severity = Severity::Warning;
  std::string family; // select | floor | cap | enabler | component
  std::string summary;
  std::string description;
  std::string help;
  std::string securitySeverity; // "7.5"
  std::vector<std::string> sources;
};

} // namespace tlsfloor
