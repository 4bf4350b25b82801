#include "tlsfloor/findings/model.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"

namespace tlsfloor {

const char *severityName(Severity s) {
  switch (s) {
  case Severity::Note:
    return "note";
  case Severity::Warning:
    return "warning";
  case Severity::Error:
    return "error";
  }
  return "warning";
}

std::optional<Severity> parseSeverity(const std::string &text) {
  if (text == "note")
    return Severity::Note;
  if (text == "warning")
    return Severity::Warning;
  if (text == "error")
    return Severity::Error;
  return std::nullopt;
}

static const std::string kEmpty;

const std::string &Location::file() const { return chain.empty() ? kEmpty : chain.front(); }

std::string Location::displayPath() const {
  std::string out;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (i)
      out += '!';
    out += chain[i];
  }
  return out;
}

bool ScanReport::incomplete() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic &d) {
    return d.kind == Diagnostic::Kind::Incomplete;
  });
}

static auto sortKey(const Finding &f) {
  return std::tie(f.location.chain, f.location.line, f.location.column, f.location.offset,
                  f.ruleId, f.message);
}

void ScanReport::finalize() {
  std::sort(findings.begin(), findings.end(),
            [](const Finding &a, const Finding &b) { return sortKey(a) < sortKey(b); });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [](const Finding &a, const Finding &b) {
                               return sortKey(a) == sortKey(b);
                             }),
                 findings.end());
  // Fingerprint = hash(rule, path, basis, occurrence of that triple). The basis
  // is line *content*, not a line number, so moving unrelated lines keeps it.
  std::map<std::string, unsigned> seen;
  for (Finding &f : findings) {
    std::string key = f.ruleId + '\0' + f.location.displayPath() + '\0' + f.fingerprintBasis;
    unsigned occurrence = seen[key]++;
    key += '\0' + std::to_string(occurrence);
    auto digest = llvm::SHA256::hash(llvm::arrayRefFromStringRef(key));
    f.fingerprint = llvm::toHex(llvm::ArrayRef<uint8_t>(digest).take_front(16), true);
  }
  std::sort(unresolved.begin(), unresolved.end());
  unresolved.erase(std::unique(unresolved.begin(), unresolved.end()), unresolved.end());
  std::sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic &a, const Diagnostic &b) {
    return std::tie(a.input, a.message) < std::tie(b.input, b.message);
  });
}

} // namespace tlsfloor
