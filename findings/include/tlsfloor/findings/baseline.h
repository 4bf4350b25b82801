// Baselines: a previous report (tlsfloor's JSON or SARIF) whose findings are
// accepted, so a CI job fails only on new ones. Matched by the findings'
// fingerprints, which do not change when unrelated lines move.
#pragma once

#include <set>
#include <string>

#include "tlsfloor/findings/model.h"

namespace tlsfloor {

// Reads the fingerprints of `path` (at most 64 MiB; JSON `findings[].fingerprint`
// or SARIF `runs[].results[].partialFingerprints["tlsfloorFingerprint/v1"]`).
// Returns "" or what was wrong with the file.
std::string loadBaseline(const std::string &path, std::set<std::string> &fingerprints);

// Removes the findings whose fingerprint is in `fingerprints`; counts them in
// report.stats.baselineFindings.
void applyBaseline(ScanReport &report, const std::set<std::string> &fingerprints);

} // namespace tlsfloor
