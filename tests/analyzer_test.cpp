// The analyzer in process: effect handlers and value evaluation on parsed
// snippets (no worker, no CLI), so each handler is pinned by a small case.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tlsfloor/analyzer/analyzer.h"

using namespace tlsfloor;
using namespace tlsfloor::test;

namespace {

struct Parsed {
  std::vector<Finding> findings;
  std::vector<std::string> unresolved;
  std::vector<Diagnostic> diagnostics;
};

Parsed analyze(const std::string &code, const std::string &name = "snippet.c",
               Protocol floor = Protocol::TLS1_2) {
  static const patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  TempDir dir;
  writeFile(dir.file(name), code);
  analyzer::Analyzer a(kb, analyzer::AnalyzerOptions{floor, false});
  analyzer::SourceJob job{name, dir.file(name), {}, {}};
  analyzer::AnalysisResult r = a.analyze(job);
  return {r.findings, r.unresolved, r.diagnostics};
}

std::string rules(const Parsed &p) {
  std::string out;
  for (const Finding &f : p.findings)
    out += (out.empty() ? "" : " ") + f.ruleId + ":" + std::to_string(f.location.line);
  return out;
}

} // namespace

TEST(Analyzer, OptionsAccumulatedInALocalAreFolded) {
  Parsed p = analyze(R"(#include <openssl/ssl.h>
void f(SSL_CTX *ctx) {
  unsigned long long opts = SSL_OP_NO_SSLv3;
  opts |= SSL_OP_NO_TLSv1;
  SSL_CTX_clear_options(ctx, opts);
}
)");
  EXPECT_EQ(rules(p), "openssl/clear-legacy-option:5");
  for (const std::string &u : p.unresolved)
    ADD_FAILURE() << "unresolved: " << u;
}
