// Lossless JSON encoding of Findings and Diagnostics, for handing results
// from an isolated worker process back to the scan driver. Not a report
// format (see report.h for those).
#pragma once

#include <vector>

#include "llvm/Support/JSON.h"
#include "tlsfloor/findings/model.h"

namespace tlsfloor::transport {

llvm::json::Value encode(const Finding &f);
llvm::json::Value encode(const Diagnostic &d);
// False when `v` is not a value encode() produced.
bool decode(const llvm::json::Value &v, Finding &f);
bool decode(const llvm::json::Value &v, Diagnostic &d);

// A string as JSON holds it: invalid UTF-8 (binary evidence) is repaired the
// same way every time, so fingerprints stay deterministic.
std::string utf8(const std::string &s);

} // namespace tlsfloor::transport
